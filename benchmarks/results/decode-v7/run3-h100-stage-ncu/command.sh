OUT=$OUT MODE=stalls BITS=4 bash benchmarks/gpu_stalls_decode.sh && OUT=$OUT MODE=source BITS=4 bash benchmarks/gpu_stalls_decode.sh   # on run 1/2 build of the stage
