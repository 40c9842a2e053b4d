# Two runs writing different reports into the same directory at the same time do not interfere:
# each one's CSV equals the CSV of the same run made alone, and no temporary is left.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/alone ${WORK_DIR}/together)
set(trace ${WORK_DIR}/t.h5)
execute_process(COMMAND ${VASHISTA} gen ${trace} --n 1024 --d 16 --dv 8 --queries 16 --gzip 0
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen failed (${rc}): ${err}")
endif()
foreach(eps 0.25 1)
  execute_process(COMMAND ${VASHISTA} certify ${trace} --eps ${eps} --threads 1 --quiet
                          --per-query ${WORK_DIR}/alone/rows_${eps}.csv RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "certify --eps ${eps} alone: exit ${rc}")
  endif()
endforeach()
set(script "
  ${VASHISTA} certify ${trace} --eps 0.25 --threads 1 --quiet --per-query ${WORK_DIR}/together/rows_0.25.csv \
    --report ${WORK_DIR}/together/r_0.25.json >/dev/null & a=$!
  ${VASHISTA} certify ${trace} --eps 1 --threads 1 --quiet --per-query ${WORK_DIR}/together/rows_1.csv \
    --report ${WORK_DIR}/together/r_1.json >/dev/null & b=$!
  ${VASHISTA} sweep ${trace} --eps 0.1,1 --threads 1 --quiet --report ${WORK_DIR}/together/sweep.json >/dev/null & c=$!
  wait $a; ra=$?; wait $b; rb=$?; wait $c; rc=$?
  echo rc=$ra,$rb,$rc")
execute_process(COMMAND sh -c "${script}" OUTPUT_VARIABLE out)
if(NOT out MATCHES "rc=0,0,0")
  message(FATAL_ERROR "concurrent runs: expected exit codes 0,0,0, got '${out}'")
endif()
foreach(eps 0.25 1)
  file(SHA256 ${WORK_DIR}/alone/rows_${eps}.csv alone)
  file(SHA256 ${WORK_DIR}/together/rows_${eps}.csv together)
  if(NOT alone STREQUAL together)
    message(FATAL_ERROR "rows_${eps}.csv differs between a run alone and a run beside others")
  endif()
endforeach()
file(GLOB left ${WORK_DIR}/together/*tmp-*)
if(left)
  message(FATAL_ERROR "temporaries left behind: ${left}")
endif()
foreach(f r_0.25.json r_1.json sweep.json)
  file(READ ${WORK_DIR}/together/${f} json)
  if(NOT json MATCHES "exit_code")
    message(FATAL_ERROR "${f} is not a complete report")
  endif()
endforeach()
