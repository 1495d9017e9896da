/* The program test_metrics.sh scrapes: a system with its Prometheus
 * endpoint at argv[1] (cadre_config.metrics_address), some sinks, and
 * argv[2] messages sent to them from this thread. Once the system is quiet
 * it prints "ready sent=S" (S: the system's sent counter then, which must
 * be argv[2]) and waits for its stdin to close; then it shuts the system
 * down and checks that every message was handled or counted dead (exit 0),
 * so that a crash or a lost message during the scrapes fails the test.
 * argv[1] "bad": checks that cadre_system_new refuses bad addresses. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cadre.h>

static int
sink_receive(cadre_actor *self, const cadre_msg *m)
{
	(void)self, (void)m;
	return 0;
}

static const cadre_behaviour sink = {
        .size = sizeof(cadre_actor), .receive = sink_receive, .name = "sink"};

/* cadre_system_new with a metrics address it must refuse with want. */
static int
refuses(const char *addr, int want)
{
	cadre_config cfg = {.workers = 1, .metrics_address = addr};
	cadre_system *sys = NULL;
	int rc = cadre_system_new(&sys, &cfg);
	if (rc == 0)
		cadre_system_free(sys);
	printf("metrics_address \"%s\": %s (want %s)\n", addr, cadre_strerror(rc),
	       cadre_strerror(want));
	return rc == want ? 0 : 1;
}

/* An address another socket listens on: CADRE_EADDRINUSE. */
static int
in_use(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return 1;
	char addr[32];
	snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(sa.sin_port));
	int rc = refuses(addr, CADRE_EADDRINUSE);
	close(fd);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "bad") == 0)
		return refuses("", CADRE_EINVAL) | refuses("no-port", CADRE_EADDR) |
		       refuses("127.0.0.1:99999", CADRE_EADDR) |
		       refuses("example.com:80", CADRE_EADDR) | in_use();
	if (argc != 3)
		return 2;
	long n = atol(argv[2]);
	cadre_config cfg = {.workers = 2, .metrics_address = argv[1]};
	cadre_system *sys;
	int rc = cadre_system_new(&sys, &cfg);
	if (rc != 0) {
		fprintf(stderr, "metrics_target: %s\n", cadre_strerror(rc));
		return 1;
	}
	cadre_ref sinks[10];
	for (int i = 0; i < 10; i++)
		if (cadre_spawn(sys, &sink, NULL, NULL, &sinks[i]) != 0)
			return 1;
	for (long i = 0; i < n; i++)
		if (cadre_send(sys, sinks[i % 10], 1, &i, sizeof i) != 0)
			return 1;
	cadre_system_await_quiescent(sys, 10000);
	cadre_stats st;
	cadre_system_stats(sys, -1, &st);
	printf("ready sent=%llu\n", (unsigned long long)st.sent);
	fflush(stdout);
	char buf[64];
	while (read(0, buf, sizeof buf) > 0) {
	}
	cadre_system_shutdown(sys, CADRE_FOREVER);
	cadre_system_stats(sys, -1, &st);
	printf("after shutdown: sent %llu = handled %llu + dead letters %llu\n",
	       (unsigned long long)st.sent, (unsigned long long)st.handled,
	       (unsigned long long)st.dead_letters);
	cadre_system_free(sys);
	return st.sent == st.handled + st.dead_letters ? 0 : 1;
}
