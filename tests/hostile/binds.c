// Checks the run's binds, at mount points the box's template file system
// lacks (/opt/...) and inside its /etc. Usage: binds (with a read-only bind
// at /opt/judge-test/ro holding in.txt = "bind-ok\n" and a writable one at
// /etc/judge-test). The box must: show in.txt, refuse writes to the
// read-only bind, take them in the writable one, and keep /etc itself and
// the root read-only. Exit 0 when all holds, otherwise 1 with one
// "FAIL: ..." line on stderr per failure.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void fail(const char* what) {
    fprintf(stderr, "FAIL: %s (errno %d: %s)\n", what, errno, strerror(errno));
    ++failures;
}

int main(void) {
    char buf[64] = {0};
    int fd = open("/opt/judge-test/ro/in.txt", O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open /opt/judge-test/ro/in.txt");
    else {
        if (read(fd, buf, sizeof buf - 1) != 8 || strcmp(buf, "bind-ok\n") != 0) fail("in.txt content");
        close(fd);
    }
    if (open("/opt/judge-test/ro/x", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) >= 0) fail("wrote into the read-only bind");
    fd = open("/etc/judge-test/out.txt", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail("create in the writable bind at /etc/judge-test");
    else {
        if (write(fd, "written\n", 8) != 8) fail("write in the writable bind");
        close(fd);
    }
    if (open("/etc/x", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) >= 0) fail("created /etc/x");
    if (open("/opt/x", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) >= 0) fail("created /opt/x");
    if (mkdir("/opt/judge-test/y", 0755) == 0) fail("created /opt/judge-test/y");
    return failures ? 1 : 0;
}
