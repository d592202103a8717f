/* serve_cmd.h — the `tlspath serve` sub-command (the wiring; the server is in serve/). */
#ifndef TLSPATH_APP_SERVE_CMD_H
#define TLSPATH_APP_SERVE_CMD_H
#include "app/cli.h"

/* Returns the exit status: 0 stopped cleanly, 2 usage or configuration error. */
int tp_serve_cmd(const tp_cli *cli);
#endif
