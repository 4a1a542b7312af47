#ifndef URUMI_CLIBPQ_SHIM_H
#define URUMI_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#include <poll.h>
#endif
