/* PLACEHOLDER - to be replaced by the implementation of 'screen'. */
#include <stdio.h>

#include "commands.h"

int cmd_screen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("taketurns: 'screen' is not built yet\n", stderr);
    return 2;
}
