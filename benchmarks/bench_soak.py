"""Soak benchmark: 30 simulated minutes of the whole bot with 10,000 subscriptions across time
zones, content changing every few minutes, against both loopback stand-ins.

    python -m benchmarks.bench_soak [--minutes 30] [--warm-up 2] [--subscriptions 10000]
                                    [--rate 300] [--in-flight 50] [--seed N] [--json FILE]

The command's name, beside the other benchmarks'; the soak itself is the `benchmarks.soak`
package.
"""

from benchmarks.soak.run import main

if __name__ == "__main__":
    raise SystemExit(main())
