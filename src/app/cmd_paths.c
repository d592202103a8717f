/* cmd_paths.c — `tlspath paths import`: a device's own proxy settings in, the tlspath paths
 * it really uses out (input/devproxy.h; precedence and sources: docs/paths.md). A command
 * of its own, parsed here, so the run command line stays as it is. */
#include "app/cmd_paths.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/fileout.h"
#include "base/jsonread.h"
#include "input/devproxy.h"

#define EXIT_OK 0
#define EXIT_USAGE 2

static const char HELP[] =
    "Usage: tlspath paths import [--netsh FILE] [--reg FILE]... [--mdatp FILE]\n"
    "                            [--env] [--env-file FILE] [-o|--output FILE]\n"
    "\n"
    "Reads a device's proxy settings and writes the tlspath paths (a config \"paths\"\n"
    "document) such a device uses, each saying which Defender component uses it and in\n"
    "which order (docs/paths.md). At least one source is needed.\n"
    "\n"
    "  --netsh FILE      output of `netsh winhttp show proxy` (the system-wide WinHTTP proxy)\n"
    "  --reg FILE        a .reg export of HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection\n"
    "                    (TelemetryProxyServer), ...\\Windows Advanced Threat Protection\n"
    "                    (PreferStaticProxyForHttpRequest) and ...\\Windows Defender (ProxyServer,\n"
    "                    ProxyPacUrl, ProxyBypass); UTF-16 as regedit writes it, or ASCII\n"
    "  --mdatp FILE      Linux/macOS mdatp_managed.json (cloudService.proxy)\n"
    "  --env             this process's HTTPS_PROXY / https_proxy and NO_PROXY / no_proxy\n"
    "  --env-file FILE   the same from an /etc/environment-style file\n"
    "  -o, --output FILE where the JSON goes (default: stdout)\n"
    "\n"
    "Credentials in a proxy URL are dropped (never written); add an \"auth\" with\n"
    "password_env to the path. Use the result with `tlspath run --config FILE` after\n"
    "merging its \"paths\" into a config, or as is: it is a complete config.\n";

typedef int (*reader)(tp_devproxy *, const char *, size_t, const char *, char *, size_t);

static int read_with(tp_devproxy *d, reader fn, const char *file, char *err, size_t errlen)
{
    tp_jr jr = {file, err, errlen};
    tp_buf b;
    /* secret: a proxy URL in these files may carry a password */
    if (tp_jr_read_file(&jr, TP_DEVPROXY_MAX_FILE, true, &b) != 0) {
        tp_buf_free(&b);
        return -1;
    }
    int rc = fn(d, b.len ? (const char *)b.data : "", b.len, file, err, errlen);
    tp_buf_free(&b);
    return rc;
}

int tp_cmd_paths(int argc, char **argv)
{
    enum { O_NETSH = 1000, O_REG, O_MDATP, O_ENV, O_ENVFILE };
    static const struct option opts[] = {
        {"netsh", required_argument, NULL, O_NETSH}, {"reg", required_argument, NULL, O_REG},
        {"mdatp", required_argument, NULL, O_MDATP}, {"env", no_argument, NULL, O_ENV},
        {"env-file", required_argument, NULL, O_ENVFILE},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    char err[1024] = "";
    const char *output = NULL;
    int sources = 0, rc = EXIT_USAGE;
    tp_devproxy d;
    tp_devproxy_init(&d);

    if (argc < 3 || strcmp(argv[2], "import") != 0) {
        if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            fputs(HELP, stdout);
            return EXIT_OK;
        }
        fprintf(stderr, "tlspath: paths: expected the sub-command import\n%s", HELP);
        return EXIT_USAGE;
    }
    /* getopt over "import" and what follows */
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc - 2, argv + 2, ":o:h", opts, NULL)) != -1) {
        int r = 0;
        switch (c) {
        case O_NETSH: r = read_with(&d, tp_devproxy_read_netsh, optarg, err, sizeof err); break;
        case O_REG: r = read_with(&d, tp_devproxy_read_reg, optarg, err, sizeof err); break;
        case O_MDATP: r = read_with(&d, tp_devproxy_read_mdatp, optarg, err, sizeof err); break;
        case O_ENVFILE: r = read_with(&d, tp_devproxy_read_envfile, optarg, err, sizeof err); break;
        case O_ENV: {
            const char *hp = getenv("https_proxy") ? getenv("https_proxy") : getenv("HTTPS_PROXY");
            const char *np = getenv("no_proxy") ? getenv("no_proxy") : getenv("NO_PROXY");
            r = tp_devproxy_read_env(&d, hp, np, "environment", err, sizeof err);
            break;
        }
        case 'o': output = optarg; sources--; break;
        case 'h': fputs(HELP, stdout); rc = EXIT_OK; goto done;
        case ':':
            fprintf(stderr, "tlspath: paths import: %s expects a value\n", argv[optind + 1]);
            goto done;
        default:
            fprintf(stderr, "tlspath: paths import: unknown option \"%s\"\nTry `tlspath paths --help`.\n",
                    argv[optind + 1]);
            goto done;
        }
        if (r != 0) {
            fprintf(stderr, "tlspath: %s\n", err);
            goto done;
        }
        sources++;
    }
    if (optind < argc - 2) {
        fprintf(stderr, "tlspath: paths import: unexpected argument \"%s\"\n", argv[optind + 2]);
        goto done;
    }
    if (sources <= 0) {
        fprintf(stderr, "tlspath: paths import: expected at least one of --netsh, --reg, --mdatp, "
                        "--env, --env-file\n");
        goto done;
    }
    cJSON *root = tp_devproxy_paths(&d);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        fprintf(stderr, "tlspath: paths import: out of memory\n");
        rc = 1;
        goto done;
    }
    tp_outfile of;
    if (!output || strcmp(output, "-") == 0) {
        /* stdout as it is (it may be a file the caller redirected: never replaced) */
        rc = (fputs(text, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0) ? 1 : EXIT_OK;
        if (rc)
            fprintf(stderr, "tlspath: paths import: cannot write to stdout\n");
    } else if (tp_outfile_open(&of, output, err, sizeof err) != 0 ||
               (fputs(text, of.f), fputc('\n', of.f), tp_outfile_commit(&of, err, sizeof err)) != 0) {
        fprintf(stderr, "tlspath: %s\n", err);
        rc = EXIT_USAGE;
    } else {
        rc = EXIT_OK;
    }
    free(text);
    for (size_t i = 0; i < d.notes.n; i++)
        fprintf(stderr, "tlspath: note: %s\n", d.notes.v[i]);
done:
    tp_devproxy_free(&d);
    return rc;
}
