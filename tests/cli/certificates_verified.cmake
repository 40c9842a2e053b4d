# certify --certificates FILE.h5, then experiments/certificates/verify_certificates.py (numpy + h5py, no
# vashista code) checks every certificate against the trace: all pass on the bundled traces (bfloat16 and
# a causal query_length trace included) and on queries inside the hull (no_gap); a copy with one entry
# corrupted (a weight, a multiplier, x, delta_lo, a dropped face key) fails with exit 1 naming the check.
include(${CMAKE_CURRENT_LIST_DIR}/support/common.cmake)  # WORK_DIR, python, run_ok
set(verify ${SOURCE_DIR}/experiments/certificates/verify_certificates.py)

function(certify_and_verify trace certs expected)
  run_ok(${VASHISTA} certify ${trace} --quiet --certificates ${certs})
  run_ok(${python} ${verify} ${trace} ${certs})
  if(NOT last_out MATCHES "verdict: all ${expected} certificates verified")
    message(FATAL_ERROR "verify ${trace}: expected ${expected} verified certificates: ${last_out}")
  endif()
  set(last_out "${last_out}" PARENT_SCOPE)
endfunction()

certify_and_verify(${SOURCE_DIR}/data/synthetic_small.h5 ${WORK_DIR}/synthetic.h5 12)
certify_and_verify(${SOURCE_DIR}/data/synthetic_bf16.h5 ${WORK_DIR}/bf16.h5 12)
execute_process(COMMAND ${VASHISTA} gen ${WORK_DIR}/causal.h5 --n 300 --d 16 --queries 6 RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen failed (${rc})")
endif()
certify_and_verify(${WORK_DIR}/causal.h5 ${WORK_DIR}/causal_certs.h5 18)

# Queries inside the hull (the keys' mean, a key, an edge midpoint: no_gap) and one far outside.
run_ok(${python} -c "
import h5py, numpy as np
rng = np.random.default_rng(3)
with h5py.File('${WORK_DIR}/inside.h5', 'w') as f:
    f.attrs['format'] = 'vashista-trace'
    f.attrs['version'] = 1
    s = f.create_group('streams').create_group('s0')
    s.attrs['scale'] = 0.5
    K = rng.standard_normal((40, 4))
    s['keys'] = K
    s['queries'] = np.stack([K.mean(0), K[:5].mean(0), K[0], 0.5 * (K[0] + K[1]), 10 * rng.standard_normal(4)])
")
certify_and_verify(${WORK_DIR}/inside.h5 ${WORK_DIR}/inside_certs.h5 5)

# A gap of 1e-12 (a key 1e-12 off the face's segment): vashista's linear certificate proves it; the checker's
# Frank-Wolfe route cannot (its bars are ~ the square root of the rounding), its exact-face route does.
run_ok(${python} -c "
import h5py, numpy as np
with h5py.File('${WORK_DIR}/tiny_gap.h5', 'w') as f:
    f.attrs['format'] = 'vashista-trace'
    f.attrs['version'] = 1
    s = f.create_group('streams').create_group('s0')
    s.attrs['scale'] = 1.0
    s['keys'] = np.array([[0, 0], [1, 0], [0.5, 1e-12], [3, 5], [-2, 4]], dtype=np.float64)
    s['queries'] = np.array([[0.5, -1.0], [0.3, -7.0]])
")
certify_and_verify(${WORK_DIR}/tiny_gap.h5 ${WORK_DIR}/tiny_gap_certs.h5 2)
if(NOT last_out MATCHES "2 of 2 certified gaps also proven by the weights alone \\(2 by the exact-face route only")
  message(FATAL_ERROR "tiny gap: expected the exact-face route, and only it, to prove both gaps: ${last_out}")
endif()

# The exact-face route must not prove a wrong face at the same scale: key 2 sits 1e-12 below the segment
# {0, 1}, towards q, so the true face is {2}; claiming {0, 1} with weights (1/2, 1/2) leaves lambda_2 = -1e-12.
# The right face {0, 1} with key 2 1e-12 above (away from q) is proven, with a bound within 1 % of 1e-12.
run_ok(${python} -c "
import sys
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, '${SOURCE_DIR}/experiments/certificates')
import numpy as np
from verify_certificates import independent_linear_bound
q, face, w = np.array([0.5, -1.0]), np.array([0, 1]), np.array([0.5, 0.5])
outside = np.array([False, False, True])
wrong = independent_linear_bound(np.array([[0, 0], [1, 0], [0.5, -1e-12]]), q, face, w, outside, 2)
assert wrong is None or wrong <= 0, wrong
right = independent_linear_bound(np.array([[0, 0], [1, 0], [0.5, 1e-12]]), q, face, w, outside, 2)
assert right is not None and 0.99e-12 <= right <= 1e-12 * (1 + 1e-9), right
print('exact-face route: wrong face not proven (%s), right face proven (%.6e)' % (wrong, right))
")

# Corrupted copies: each must fail.
foreach(kind weights lambda x delta_lo face forged)
  run_ok(${python} ${CMAKE_CURRENT_LIST_DIR}/tamper_certificates.py ${kind} ${WORK_DIR}/synthetic.h5
         ${WORK_DIR}/tampered_${kind}.h5 ${SOURCE_DIR}/data/synthetic_small.h5)
  execute_process(COMMAND ${python} ${verify} ${SOURCE_DIR}/data/synthetic_small.h5 ${WORK_DIR}/tampered_${kind}.h5
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT out MATCHES "FAILED hull_00 query 0")
    message(FATAL_ERROR "tampered ${kind}: expected exit 1 naming hull_00 query 0, got ${rc}: ${out} ${err}")
  endif()
endforeach()

# The certificates of one trace checked against another: refused or failed, never verified.
execute_process(COMMAND ${python} ${verify} ${SOURCE_DIR}/data/synthetic_bf16.h5 ${WORK_DIR}/synthetic.h5
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "certificates of synthetic_small verified against synthetic_bf16: ${out}")
endif()

# The kernel's tail certificates, checked by experiments/certificates/verify_kernel_certificates.py: the CPU
# reference's and the committed GPU-produced traces' are sound; with every tail_bound set to 0 they are not.
set(verify_kernel ${SOURCE_DIR}/experiments/certificates/verify_kernel_certificates.py)
run_ok(${VASHISTA} kernel ${SOURCE_DIR}/data/synthetic_small.h5 --out ${WORK_DIR}/kernel.h5 --eps 0.1,1 --pages 8 --quiet)
foreach(trace ${WORK_DIR}/kernel.h5 ${SOURCE_DIR}/data/synthetic_small_cuda.h5 ${SOURCE_DIR}/data/lm_small_cuda.h5)
  run_ok(${python} ${verify_kernel} ${trace})
  if(NOT last_out MATCHES "verdict: all [0-9]+ kernel certificates sound")
    message(FATAL_ERROR "verify_kernel_certificates ${trace}: ${last_out}")
  endif()
endforeach()
run_ok(${python} -c "
import shutil, h5py
shutil.copyfile('${WORK_DIR}/kernel.h5', '${WORK_DIR}/kernel_zero.h5')
with h5py.File('${WORK_DIR}/kernel_zero.h5', 'r+') as f:
    for s in f['streams'].values():
        s['kernel/tail_bound'][...] = 0
")
execute_process(COMMAND ${python} ${verify_kernel} ${WORK_DIR}/kernel_zero.h5 RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "UNSOUND hull_00 eps=0.1 query 0")
  message(FATAL_ERROR "zeroed tail bounds: expected exit 1 with UNSOUND rows, got ${rc}: ${out} ${err}")
endif()
execute_process(COMMAND ${python} ${verify_kernel} ${SOURCE_DIR}/data/synthetic_small.h5 RESULT_VARIABLE rc
                OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "no stream holds kernel outputs")
  message(FATAL_ERROR "a trace without kernel outputs: expected exit 2, got ${rc}: ${err}")
endif()

# Usage errors before any work: no hull model, or the certificates file named as another output.
foreach(args "--model;softmax;--certificates;${WORK_DIR}/none.h5"
             "--certificates;${WORK_DIR}/same;--report;${WORK_DIR}/same")
  execute_process(COMMAND ${VASHISTA} certify ${SOURCE_DIR}/data/synthetic_small.h5 --quiet ${args}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "--certificates")
    message(FATAL_ERROR "certify ${args}: expected exit 2 naming --certificates, got ${rc}: ${err}")
  endif()
endforeach()
if(EXISTS ${WORK_DIR}/none.h5 OR EXISTS ${WORK_DIR}/same)
  message(FATAL_ERROR "a refused run left an output file")
endif()
