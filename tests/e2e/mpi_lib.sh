# Sourced by the data-parallel tests (mpi_*.sh): the mpirun they run, as CI runs it (as root, on
# 2 cores). A machine without Open MPI fails them: scripts/setup.sh installs it.
command -v mpirun > /dev/null || { echo "FAIL: mpirun is missing (scripts/setup.sh installs openmpi-bin)"; exit 1; }
"$graphc" --version | grep -q "^data parallelism: MPI" ||
  { echo "FAIL: this graphc was built without MPI (configure with -DGRAPHC_MPI=ON, libopenmpi-dev installed)"; exit 1; }
# --oversubscribe: more ranks than free cores; --bind-to none: ranks move between the 2 cores.
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
