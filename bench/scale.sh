#!/usr/bin/env bash
# bench/scale.sh: ospofeed's scale benchmark (issue 7), one command.
#
# Generates N stored items of two shapes (feed articles; UN Web TV
# recordings with a page each, behind UN event pages) on a loopback fixture
# site reached through crawl.connect_to, runs the ospofeed binary on them and
# prints a markdown table per run: cold `crawl --out` wall time and peak RSS,
# unchanged and one-item-changed re-crawls (wall time, files rewritten),
# `serve --no-crawl` start to first 200 and RSS, the largest feed.
#
#   bench/scale.sh                        # -n 1000,10000, both shapes
#   bench/scale.sh -n 100000 -shape articles -timeout 20m
#   bench/scale.sh -bin /path/to/ospofeed -keep /tmp/scale
#
# Progress goes to stderr, the tables to stdout. See bench/scale/main.go for
# every flag and what each number means.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./bench/scale "$@"
