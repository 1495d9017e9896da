/* The seed corpus of the wire fuzzer (tests/fuzz/corpus/wire/): one valid
 * frame of each kind, written by the codec itself.
 *
 *   wire_corpus DIR           writes the seeds into DIR
 *   wire_corpus --check DIR   checks that DIR holds exactly these bytes
 *
 * The seeds are checked in (libFuzzer starts from them); ctest runs the
 * --check form (test_wire_corpus), so the checked-in files stay what this
 * program writes. After a change of the format: build wire_corpus and run
 * it on tests/fuzz/corpus/wire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadre__wire.h"

static const cadre_ref A = {7, 42, 3, 0x9e3779b9u};
static const cadre_ref B = {7, 1, 1, 0x7f4a7c15u};
static const char KEY[] = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
static const char DATA[] = "hello, node";

static struct cadre__wire_str
s(const char *p)
{
	return (struct cadre__wire_str){p, (uint8_t)strlen(p)};
}

/* Seed i (0..14): kind i + 1. */
static struct cadre__frame
seed(int i)
{
	struct cadre__frame f = {.kind = (uint8_t)(i + 1)};
	f.to = A;
	f.from = B;
	f.id = 0x0102030405060708ull;
	f.reason = (struct cadre__wire_reason){3, -42, s("boom")};
	switch (f.kind) {
	case CADRE__W_HELLO:
		f.to = f.from = CADRE_REF_NONE;
		f.incarnation = 0x9e3779b9u;
		f.session = 2;
		f.name = s("node-a");
		f.endpoint = s("tcp://127.0.0.1:7001");
		f.key = s(KEY);
		break;
	case CADRE__W_SEND:
		f.type = 17;
		f.payload = DATA;
		f.size = sizeof DATA - 1;
		break;
	case CADRE__W_SPAWN:
		f.payload = DATA;
		f.size = sizeof DATA - 1;
		f.name = s("worker");
		f.linked = 1;
		break;
	case CADRE__W_EXIT:
		f.linked = 1;
		break;
	case CADRE__W_DOWN:
		f.actor = B;
		f.reason = (struct cadre__wire_reason){6, 0, s("")};
		break;
	case CADRE__W_WHEREIS:
		f.name = s("chat room");
		break;
	case CADRE__W_REPLY:
		f.status = -10;
		f.actor = B;
		break;
	}
	return f;
}

static const char *const names[15] = {"01-hello",     "02-tick",   "03-leave", "04-send",
                                      "05-link",      "06-unlink", "07-exit",  "08-monitor",
                                      "09-demonitor", "10-down",   "11-stop",  "12-spawn",
                                      "13-whereis",   "14-reply",  "15-peers"};

static size_t
bytes_of(int i, unsigned char *buf, size_t cap)
{
	if (i == CADRE__W_PEERS - 1) {
		const char *n[] = {"node-b", "node-c"};
		const char *e[] = {"tcp://127.0.0.1:7002", "ipc:///tmp/node-c.sock"};
		const char *k[] = {KEY, NULL};
		return cadre__wire_peers_encode(buf, cap, 2, n, e, k);
	}
	struct cadre__frame f = seed(i);
	return cadre__wire_encode(&f, buf, cap);
}

/* Writes (or, with check, compares) seed i in dir. 0 if done / equal. */
static int
one(const char *dir, int i, int check)
{
	unsigned char buf[512], old[513];
	size_t n = bytes_of(i, buf, sizeof buf);
	struct cadre__frame d;
	if (n == 0 || n > sizeof buf || cadre__wire_decode(buf, n, &d) != 0) {
		fprintf(stderr, "wire_corpus: seed %s does not encode\n", names[i]);
		return 1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, names[i]);
	FILE *fp = fopen(path, check ? "rb" : "wb");
	if (fp == NULL) {
		perror(path);
		return 1;
	}
	int bad = 0;
	if (check) {
		size_t got = fread(old, 1, sizeof old, fp);
		bad = got != n || memcmp(old, buf, n) != 0;
		if (bad)
			fprintf(stderr, "wire_corpus: %s differs (run wire_corpus on it)\n", path);
	} else {
		bad = fwrite(buf, 1, n, fp) != n;
	}
	return fclose(fp) != 0 || bad;
}

int
main(int argc, char **argv)
{
	int check = argc == 3 && strcmp(argv[1], "--check") == 0;
	if (argc != 2 && !check) {
		fprintf(stderr, "usage: wire_corpus [--check] DIR\n");
		return 2;
	}
	int bad = 0;
	for (int i = 0; i < 15; i++)
		bad |= one(argv[argc - 1], i, check);
	return bad;
}
