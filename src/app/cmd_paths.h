/* cmd_paths.h — `tlspath paths ...` (import a device's proxy settings as paths). */
#ifndef TLSPATH_APP_CMD_PATHS_H
#define TLSPATH_APP_CMD_PATHS_H
/* argv[1] is "paths". Returns the exit status (0, or 2 for usage and input errors). */
int tp_cmd_paths(int argc, char **argv);
#endif
