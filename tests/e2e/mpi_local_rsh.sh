#!/bin/sh
# mpirun's remote shell for tests/e2e/mpi_faults.sh's two "hosts" on the loopback interface
# (127.0.0.2 and 127.0.0.3): runs Open MPI's daemon on this machine, whatever host it names, as
# ssh would run it on that host. Its options (ssh's -x) and the host name go unused.
# Each "host" has its own temporary folder (under $MPI_HOSTS_DIR, else /tmp), as separate
# machines would: two daemons in one would race for the same session folder.
export OMPI_MCA_orte_tmpdir_base="$(mktemp -d "${MPI_HOSTS_DIR:-/tmp}/host.XXXXXX")"
while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
shift
exec sh -c "$*"
