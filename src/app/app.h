/* app.h — the tlspath program as a function (main.c calls it; tests may too). */
#ifndef TLSPATH_APP_H
#define TLSPATH_APP_H
/* Returns the process exit status: 0 pass, 1 a required endpoint failed, 2 usage or
 * configuration error. */
int tp_app_main(int argc, char **argv);
#endif
