/* main.c — tlspath entry point. Everything else lives in the core library. */
#include "app/app.h"

int main(int argc, char **argv)
{
    return tp_app_main(argc, argv);
}
