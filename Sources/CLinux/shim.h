#ifndef BAILIFF_CLINUX_SHIM_H
#define BAILIFF_CLINUX_SHIM_H
/* Linux interfaces Swift's Glibc module leaves out. */
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#endif
