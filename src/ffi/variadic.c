/* ruv_loop_configure has a C variadic signature (libuv's), which stable Rust
 * cannot define. This shim reads the one optional argument and calls the Rust
 * implementation. */
#include <stdarg.h>

int ruv__loop_configure(void *loop, int option, int arg);

int ruv_loop_configure(void *loop, int option, ...) {
  int arg = 0;
  if (option == 0 /* RUV_LOOP_BLOCK_SIGNAL: takes a signal number */) {
    va_list ap;
    va_start(ap, option);
    arg = va_arg(ap, int);
    va_end(ap);
  }
  return ruv__loop_configure(loop, option, arg);
}
