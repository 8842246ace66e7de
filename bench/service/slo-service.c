/*
 * bench/service/slo-service.c: the latency-sensitive service of the demo's `service`
 * scenario (bench/demo/guest-run.ts). An open-loop request server: requests arrive on a
 * seeded-random schedule (exponential inter-arrival times) whatever the service's
 * progress; each needs a fixed amount of CPU (spun until the serving thread's own CPU
 * time, CLOCK_THREAD_CPUTIME_ID, has advanced by that much, so a slower or faster
 * machine does not change the demand); a pool of worker threads serves one shared FIFO
 * queue. Each request's latency runs from its SCHEDULED arrival to its completion, so a
 * late dispatcher or a stalled queue counts against the service (no coordinated
 * omission).
 *
 *   slo-service [--duration-s S] [--mean-us US] [--work-us US] [--threads N] [--seed N]
 *               [--grace-s S]
 *
 * Output (stdout), read by bench/demo/service-output.ts:
 *   slo-service: duration_s=.. mean_us=.. work_us=.. threads=.. seed=..
 *   lat_ns <n> <n> ...          (up to 64 latencies per line, in completion order)
 *   slo-service: scheduled=.. completed=.. unfinished=.. cpu_ns=.. wall_ns=..
 * `unfinished` requests had not completed --grace-s seconds after the last arrival.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct request {
	uint64_t scheduled_ns;	/* when it arrives by the schedule (CLOCK_MONOTONIC) */
};

static struct request *queue;	/* every request of the run, in arrival order */
static size_t n_requests;	/* how many the schedule has */
static size_t next_arrived;	/* requests [0, next_arrived) have arrived */
static size_t next_served;	/* requests [0, next_served) were taken by a worker */
static uint64_t *latencies;	/* per completed request, ns */
static size_t n_completed;
static int closing;		/* no more arrivals, workers leave when the queue is empty */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t arrived = PTHREAD_COND_INITIALIZER;
static uint64_t work_ns = 2000000;

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a small seeded generator, the same schedule for the same seed. */
static uint64_t rng_state;
static double uniform01(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/*
 * Spins until this thread has used `ns` of CPU time. The clock is read between chunks of
 * arithmetic sized from the cost per iteration seen so far, so the last chunk ends close
 * to the target: under emulation a fixed chunk can cost milliseconds and overshoot.
 */
static void burn_cpu(uint64_t ns)
{
	uint64_t end = now_ns(CLOCK_THREAD_CPUTIME_ID) + ns;
	double per_iter = 0;	/* CPU ns per iteration, measured */
	volatile uint64_t x = 1;
	for (;;) {
		uint64_t t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		if (t0 >= end)
			break;
		long n = 64;
		if (per_iter > 0) {
			double fit = (double)(end - t0) / per_iter;
			n = fit < 1 ? 1 : fit > 1e7 ? 10000000 : (long)fit;
		}
		for (long i = 0; i < n; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t t1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		if (t1 > t0)
			per_iter = (double)(t1 - t0) / (double)n;
	}
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (next_served == next_arrived && !closing)
			pthread_cond_wait(&arrived, &lock);
		if (next_served == next_arrived)
			break;
		struct request r = queue[next_served++];
		pthread_mutex_unlock(&lock);
		burn_cpu(work_ns);
		uint64_t done = now_ns(CLOCK_MONOTONIC);
		pthread_mutex_lock(&lock);
		latencies[n_completed++] = done - r.scheduled_ns;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static double arg_num(const char *name, const char *v, double lo)
{
	char *end;
	double x = strtod(v ? v : "", &end);
	if (!v || *end || x < lo) {
		fprintf(stderr, "slo-service: %s wants a number >= %g, got %s\n", name, lo, v ? v : "(nothing)");
		exit(2);
	}
	return x;
}

int main(int argc, char **argv)
{
	double duration_s = 10, mean_us = 10000, work_us = 2000, grace_s = 5;
	int threads = 2;
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--duration-s")) duration_s = arg_num(a, v, 0.001);
		else if (!strcmp(a, "--mean-us")) mean_us = arg_num(a, v, 1);
		else if (!strcmp(a, "--work-us")) work_us = arg_num(a, v, 0);
		else if (!strcmp(a, "--threads")) threads = (int)arg_num(a, v, 1);
		else if (!strcmp(a, "--seed")) seed = (uint64_t)arg_num(a, v, 0);
		else if (!strcmp(a, "--grace-s")) grace_s = arg_num(a, v, 0);
		else {
			fprintf(stderr, "slo-service: unknown option %s (see the top of slo-service.c)\n", a);
			return 2;
		}
		i++;
	}
	work_ns = (uint64_t)(work_us * 1000);
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;

	/* The whole schedule up front: arrival offsets from the start. */
	uint64_t span = (uint64_t)(duration_s * 1e9);
	size_t cap = 1024;
	uint64_t *offsets = malloc(cap * sizeof(*offsets));
	uint64_t t = 0;
	for (;;) {
		t += (uint64_t)(-log(1.0 - uniform01()) * mean_us * 1000);
		if (t >= span)
			break;
		if (n_requests == cap)
			offsets = realloc(offsets, (cap *= 2) * sizeof(*offsets));
		offsets[n_requests++] = t;
	}
	queue = calloc(n_requests + 1, sizeof(*queue));
	latencies = calloc(n_requests + 1, sizeof(*latencies));
	if (!offsets || !queue || !latencies) {
		fprintf(stderr, "slo-service: out of memory\n");
		return 1;
	}
	printf("slo-service: duration_s=%g mean_us=%g work_us=%g threads=%d seed=%llu\n", duration_s, mean_us, work_us,
	       threads, (unsigned long long)seed);
	fflush(stdout);

	pthread_t *tids = calloc((size_t)threads, sizeof(*tids));
	for (int i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, worker, NULL);

	/* The dispatcher: releases each request at its scheduled time (or at once, if late). */
	uint64_t cpu0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t start = now_ns(CLOCK_MONOTONIC);
	for (size_t i = 0; i < n_requests; i++) {
		uint64_t at = start + offsets[i];
		struct timespec ts = { .tv_sec = (time_t)(at / 1000000000ull), .tv_nsec = (long)(at % 1000000000ull) };
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		/* Everything due by now arrives together. */
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		pthread_mutex_lock(&lock);
		size_t j = i;
		while (j < n_requests && start + offsets[j] <= now) {
			queue[j].scheduled_ns = start + offsets[j];
			j++;
		}
		next_arrived = j;
		pthread_cond_broadcast(&arrived);
		pthread_mutex_unlock(&lock);
		i = j - 1;
	}

	/* No more arrivals: wait up to the grace period for the queue to drain. */
	uint64_t give_up = now_ns(CLOCK_MONOTONIC) + (uint64_t)(grace_s * 1e9);
	pthread_mutex_lock(&lock);
	closing = 1;
	pthread_cond_broadcast(&arrived);
	while (n_completed < n_requests && now_ns(CLOCK_MONOTONIC) < give_up) {
		pthread_mutex_unlock(&lock);
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
		pthread_mutex_lock(&lock);
	}
	size_t completed = n_completed;
	uint64_t wall = now_ns(CLOCK_MONOTONIC) - start;
	uint64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	for (size_t i = 0; i < completed; i++)
		printf("%s%llu%s", i % 64 == 0 ? "lat_ns " : "", (unsigned long long)latencies[i],
		       i % 64 == 63 || i + 1 == completed ? "\n" : " ");
	printf("slo-service: scheduled=%zu completed=%zu unfinished=%zu cpu_ns=%llu wall_ns=%llu\n", n_requests, completed,
	       n_requests - completed, (unsigned long long)cpu, (unsigned long long)wall);
	fflush(stdout);
	/* Unfinished workers may still spin: leave without joining them. */
	if (completed < n_requests)
		_exit(0);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
