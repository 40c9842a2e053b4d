# SIGINT during a run: exit 130, one line on stderr saying no partial output was left, and no
# report, CSV or temporary file in the output directory (docs/reliability.md, docs/cli.md).
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/out)
set(trace ${WORK_DIR}/big.h5)
execute_process(COMMAND ${VASHISTA} gen ${trace} --n 4096 --d 32 --dv 0 --queries 128 --streams-per-model 2
                        --gzip 0 RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen failed (${rc}): ${err}")
endif()
# Start a long sweep, wait until its temporary outputs exist (the run is writing), interrupt it.
foreach(command certify sweep)
  if(command STREQUAL "sweep")
    set(extra "--eps 1e-4:1:200")
  else()
    set(extra "")
  endif()
  set(script "
    ${VASHISTA} ${command} ${trace} ${extra} --threads 1 --quiet --report ${WORK_DIR}/out/report.json \
      --per-query ${WORK_DIR}/out/rows.csv 2>${WORK_DIR}/stderr.txt &
    pid=$!
    for i in $(seq 1 600); do
      ls ${WORK_DIR}/out/ | grep -q tmp- && break
      sleep 0.05
    done
    sleep 0.5
    kill -0 $pid 2>/dev/null || { echo FINISHED_TOO_EARLY; exit 0; }
    kill -INT $pid
    wait $pid
    echo rc=$?")
  execute_process(COMMAND sh -c "${script}" OUTPUT_VARIABLE out RESULT_VARIABLE shell_rc)
  file(READ ${WORK_DIR}/stderr.txt err)
  if(out MATCHES "FINISHED_TOO_EARLY")
    message(FATAL_ERROR "${command}: the run finished before it could be interrupted; make the workload larger")
  endif()
  if(NOT out MATCHES "rc=130")
    message(FATAL_ERROR "${command}: expected exit 130 on SIGINT, got '${out}'\nstderr: ${err}")
  endif()
  if(NOT err MATCHES "interrupted; no partial output left")
    message(FATAL_ERROR "${command}: SIGINT did not say that no partial output was left: '${err}'")
  endif()
  file(GLOB left ${WORK_DIR}/out/*)
  if(left)
    message(FATAL_ERROR "${command}: SIGINT left files behind: ${left}")
  endif()
endforeach()
