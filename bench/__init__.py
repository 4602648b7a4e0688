"""Benchmarks behind `make bench` (issue 8): what users feel, against the simplest designs.

Run `python -m bench` (or `make bench`); `python -m bench --help` for the options. Not a test:
nothing here asserts on time, and the test suite never imports it.

- ``bench/__main__.py``: the driver; ``options``, ``report``, ``machine``, ``stats``, ``proc``,
  ``paths`` (where data is read and results written: never the source tree) are its helpers;
- ``bench/scenarios/``: what is measured (ack burst, throughput, classification, footprint),
  and the standalone classification and representation studies;
- ``bench/apps/``: the apps ticketbot is measured against (a bare Bolt app, a synchronous
  baseline);
- ``services``, ``workload``, ``drive``, ``tally``, ``ticketlog``: the emulated services (started
  by `emulators.stack`), what is sent, and counting what arrived.

Labelled data (classification): ``--data DIR`` or ``$TICKETBOT_BENCH_DATA``. Results:
``--out FILE``, else ``$TICKETBOT_BENCH_OUT``, else ``ticketbot-bench/`` in the system temp dir.
"""
