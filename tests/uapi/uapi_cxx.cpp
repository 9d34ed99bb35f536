// Compiles the UAPI headers alone as C++20.
extern "C" {
#include <polyfw/bytecode.h>
#include <polyfw/prog.h>
#include <polyfw/pkt.h>
#include <polyfw/interp.h>
}
