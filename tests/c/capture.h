/* capture_begin/capture_end: counts the lines a call writes to stderr (ruv's
 * one-line misuse reports), keeping the text in `cap_text`. Include after
 * test.h. */
#ifndef RUV_TEST_CAPTURE_H
#define RUV_TEST_CAPTURE_H

#include <fcntl.h>

static int cap_pipe[2] = {-1, -1};
static int cap_saved = -1;
static char cap_text[4096];

static void capture_begin(void) {
  fflush(stderr);
  if (pipe2(cap_pipe, O_CLOEXEC) != 0) {
    perror("pipe2");
    exit(2);
  }
  cap_saved = dup(2);
  dup2(cap_pipe[1], 2);
}

/* Restores stderr and returns how many lines were written meanwhile. */
static int capture_end(void) {
  fflush(stderr);
  dup2(cap_saved, 2);
  close(cap_saved);
  close(cap_pipe[1]);
  size_t len = 0;
  ssize_t n;
  while (len < sizeof cap_text - 1 &&
         (n = read(cap_pipe[0], cap_text + len, sizeof cap_text - 1 - len)) > 0)
    len += (size_t)n;
  cap_text[len] = 0;
  close(cap_pipe[0]);
  int lines = 0;
  for (size_t i = 0; i < len; i++) lines += cap_text[i] == '\n';
  /* what was written must be whole lines */
  if (len > 0 && cap_text[len - 1] != '\n') lines += 1000;
  return lines;
}

#endif
