# SIGINT, SIGHUP and SIGTERM during a run, and SIGPIPE when the reader of standard output goes away
# (`certify --per-query /dev/stdout | head -1`): exit 128 + the signal number (130, 129, 143, 141), one line on
# stderr saying that no partial output was left, and no report, CSV, certificates file, temporary or
# `--plot` directory created by the run left behind (docs/reliability.md "No data lost", docs/cli.md).
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/out)
set(trace ${WORK_DIR}/big.h5)
execute_process(COMMAND ${VASHISTA} gen ${trace} --n 4096 --d 32 --dv 0 --queries 128 --streams-per-model 2
                        --gzip 0 RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen failed (${rc}): ${err}")
endif()

function(expect_clean_exit what out expected_rc signal_text)
  file(READ ${WORK_DIR}/stderr.txt err)
  if(out MATCHES "FINISHED_TOO_EARLY")
    message(FATAL_ERROR "${what}: the run finished before it could be signalled; make the workload larger")
  endif()
  if(NOT out MATCHES "rc=${expected_rc}")
    message(FATAL_ERROR "${what}: expected exit ${expected_rc}, got '${out}'\nstderr: ${err}")
  endif()
  if(NOT err MATCHES "^vashista: interrupted; no partial output left \\(${signal_text}[^\n]*temporary files removed\\)\n$")
    message(FATAL_ERROR "${what}: expected one line saying that no partial output was left, got '${err}'")
  endif()
  file(GLOB_RECURSE left LIST_DIRECTORIES true ${WORK_DIR}/out/*)
  if(left)
    message(FATAL_ERROR "${what}: left files or directories behind: ${left}")
  endif()
endfunction()

# SIGINT, SIGHUP, SIGTERM while certify (and, for SIGINT, a long sweep) writes its CSV and JSON into a new
# --plot directory and its certificates next to it: wait until the temporaries exist, then signal. The --plot
# directory goes too.
# Each run: command, signal, exit code, the start of the message's parenthesis ("-": none, SIGINT's own line).
foreach(run "certify INT 130 -" "sweep INT 130 -" "certify HUP 129 SIGHUP" "certify TERM 143 SIGTERM")
  separate_arguments(run)
  list(GET run 0 command)
  list(GET run 1 signal)
  list(GET run 2 expected_rc)
  list(GET run 3 signal_text)
  if(signal_text STREQUAL "-")
    set(signal_text "")
  endif()
  set(extra "")
  if(command STREQUAL "sweep")
    set(extra "--eps 1e-4:1:200")
  endif()
  set(script "
    ${VASHISTA} ${command} ${trace} ${extra} --threads 1 --quiet --plot ${WORK_DIR}/out/figures \
      --certificates ${WORK_DIR}/out/certificates.h5 >/dev/null 2>${WORK_DIR}/stderr.txt &
    pid=$!
    for i in $(seq 1 600); do
      find ${WORK_DIR}/out -name '*.tmp-*' | grep -q . && break
      sleep 0.05
    done
    sleep 0.3
    kill -0 $pid 2>/dev/null || { echo FINISHED_TOO_EARLY; exit 0; }
    kill -${signal} $pid
    wait $pid
    echo rc=$?")
  execute_process(COMMAND sh -c "${script}" OUTPUT_VARIABLE out)
  expect_clean_exit("${command}, SIG${signal}" "${out}" ${expected_rc} "${signal_text}")
endforeach()

# SIGHUP while gen writes its trace (the audit's case: a 30 MB big.h5.tmp-<pid>-<rand> was left).
set(script "
  ${VASHISTA} gen ${WORK_DIR}/out/gen.h5 --n 40000 --d 64 --dv 0 --queries 4 --streams-per-model 3 \
    >/dev/null 2>${WORK_DIR}/stderr.txt &
  pid=$!
  for i in $(seq 1 1200); do
    ls ${WORK_DIR}/out/ | grep -q tmp- && break
    sleep 0.05
  done
  kill -0 $pid 2>/dev/null || { echo FINISHED_TOO_EARLY; exit 0; }
  kill -HUP $pid
  wait $pid
  echo rc=$?")
execute_process(COMMAND sh -c "${script}" OUTPUT_VARIABLE out)
expect_clean_exit("gen, SIGHUP" "${out}" 129 "SIGHUP received; ")

# SIGPIPE: the per-query CSV (512 rows, more than a pipe holds) goes to a `head -1` that exits after one line.
# The certificates file is still being written then: its temporary must go.
set(script "
  { ${VASHISTA} certify ${trace} --threads 1 --quiet --certificates ${WORK_DIR}/out/certificates.h5 \
      --per-query /dev/stdout 2>${WORK_DIR}/stderr.txt; echo $? >${WORK_DIR}/rc.txt; } | head -1 >/dev/null
  echo rc=$(cat ${WORK_DIR}/rc.txt)")
execute_process(COMMAND sh -c "${script}" OUTPUT_VARIABLE out)
expect_clean_exit("certify | head -1, SIGPIPE" "${out}" 141 "SIGPIPE: ")
