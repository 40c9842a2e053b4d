# The documented workflow: `kernel` writes the sparse kernel's outputs into a copy of a trace and `certify`
# checks them. On a float32 trace the CPU reference's outputs (double precision) used to be stored as
# float32 and then compared at double precision: 12 false "kernel output-bound violations" (exit 1) on
# the bundled synthetic trace. They are now stored as float64, and the check allows the rounding of
# whatever dtype the output was stored in (a float32 output of another producer included).
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
function(run_expect code)
  execute_process(COMMAND ${VASHISTA} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "vashista ${ARGN}: expected exit ${code}, got ${rc}:\n${out}\n${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
endfunction()
foreach(dtype float32 bfloat16 float64)
  run_expect(0 gen ${WORK_DIR}/${dtype}.h5 --n 300 --d 16 --dv 8 --queries 3 --dtype ${dtype})
  run_expect(0 kernel ${WORK_DIR}/${dtype}.h5 --out ${WORK_DIR}/${dtype}_kernel.h5 --eps 0.5,1 --page-size 8 --pages 6
             --quiet)
  run_expect(0 certify ${WORK_DIR}/${dtype}_kernel.h5 --quiet --threads 1)
  if(NOT last_out MATCHES "0 bound violations / unsound certificates, 0 kernel output-bound violations")
    message(FATAL_ERROR "certify after kernel (${dtype} trace):\n${last_out}")
  endif()
endforeach()

# A trace without values: the kernel stores no output (it is optional) and certify judges the tails
# (kernel on such a trace failed: "each [m, d_v] block must be [4, 0], got [4, 0]").
run_expect(0 gen ${WORK_DIR}/novalues.h5 --n 120 --d 8 --dv 0 --queries 2)
run_expect(0 kernel ${WORK_DIR}/novalues.h5 --out ${WORK_DIR}/novalues_kernel.h5 --page-size 8 --pages 3 --quiet)
run_expect(0 certify ${WORK_DIR}/novalues_kernel.h5 --quiet --threads 1)
run_expect(0 sweep ${WORK_DIR}/novalues_kernel.h5 --eps 0.5,1 --quiet --threads 1)

# A small temperature on the bundled LM trace: exact tails of 1e-784 outside the candidates, where
# exp(ln tail_bound) underflowed to 0 and the stored certificate claimed an empty tail (2 "unsound").
run_expect(0 kernel ${SOURCE_DIR}/data/lm_small.h5 --out ${WORK_DIR}/lm_kernel.h5 --streams seq0_L04_H1 --eps 0.01
           --quiet)
run_expect(0 certify ${WORK_DIR}/lm_kernel.h5 --model softmax --quiet)
if(NOT last_out MATCHES "0 bound violations / unsound certificates, 0 kernel output-bound violations")
  message(FATAL_ERROR "certify after kernel at eps 0.01 (lm_small.h5):\n${last_out}")
endif()

# A subnormal-scale temperature: the reference's lse (~1e300 at eps = 1e-300) is stored as float64 (it
# overflowed float32 and the run failed after the work).
run_expect(0 kernel ${WORK_DIR}/float32.h5 --out ${WORK_DIR}/tiny_eps.h5 --eps 1e-300 --pages 1 --quiet --threads 1)
run_expect(0 certify ${WORK_DIR}/tiny_eps.h5 --model softmax --quiet --threads 1)
