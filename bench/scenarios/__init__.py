"""What `python -m bench` measures, one module per scenario, plus two standalone studies.

Scenarios: ``ack_burst`` (with ``ack_figures``), ``throughput``, ``classification`` (which runs
or reads ``classify_bench``) and ``footprint``. Standalone: ``python -m
bench.scenarios.classify_bench`` and ``python -m bench.scenarios.learn_representations``, both
reading labelled data from ``--data DIR`` or ``$TICKETBOT_BENCH_DATA``.
"""
