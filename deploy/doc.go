// Package deploy holds the recipes for running ospofeed (compose,
// Kubernetes, systemd; the image is the repository's Dockerfile) and the
// tests that run them for real or check them against the binary:
//
//	image_test.go    builds the Dockerfile with podman and runs the image
//	                 (serve, stop, restart, crawl --out, exit statuses)
//	backup_test.go   kills serve during snapshots; restores the last one
//	recipes_test.go  each manifest's image, command, flags, ports, volumes
//	                 and probes against the binary and the Dockerfile
//
// It has no Go code of its own: the tests build cmd/ospofeed.
package deploy
