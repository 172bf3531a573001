#!/bin/sh
# An example script for the exec and exec_cached exporters of example.config.yml: prints
# one metric with the current time.
set -eu
now=$(date +%s)
cat <<METRICS
# HELP example_script_time_seconds When the example script ran, in seconds since the epoch.
# TYPE example_script_time_seconds gauge
example_script_time_seconds $now
METRICS
