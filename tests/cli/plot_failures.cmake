# `--plot DIR` on runs that fail: a directory the run created (DIR and any parents it needed) is removed again,
# a directory that existed before stays with the user's files; a plotting script that fails (MPLBACKEND set to
# a backend that does not exist) is exit 3 with exactly one line on stderr that ends with the script's last
# error line (not its traceback), while the summary still goes to stdout (docs/cli.md, docs/reliability.md).
include(${CMAKE_CURRENT_LIST_DIR}/support/common.cmake)
set(trace ${WORK_DIR}/in.h5)
run_ok(${VASHISTA} gen ${trace} --n 128 --d 8 --dv 4 --queries 3)
file(WRITE ${WORK_DIR}/text.h5 "not an HDF5 file\n")

# expect_fail(<exit code> <args>...): the run ends with that exit code and one line on stderr.
function(expect_fail code)
  execute_process(COMMAND ${VASHISTA} ${ARGN} --quiet RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 300)
  if(NOT rc EQUAL code)
    message(FATAL_ERROR "vashista ${ARGN}: expected exit ${code}, got ${rc}: ${err}")
  endif()
  if(NOT err MATCHES "^vashista: error: [^\n]+\n$")
    message(FATAL_ERROR "vashista ${ARGN}: expected one error line on stderr, got '${err}'")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
  set(last_err "${err}" PARENT_SCOPE)
endfunction()
function(expect_absent path)
  if(EXISTS ${path})
    message(FATAL_ERROR "${path} was left behind by a failed run")
  endif()
endfunction()

# Failures after DIR was prepared: not an HDF5 file, a bad --eps (checked by the run), no stream matched.
expect_fail(2 certify ${WORK_DIR}/text.h5 --plot ${WORK_DIR}/new1)
expect_absent(${WORK_DIR}/new1)
expect_fail(2 certify ${trace} --eps 0 --plot ${WORK_DIR}/new2)
expect_absent(${WORK_DIR}/new2)
expect_fail(2 certify ${trace} --streams nomatch --plot ${WORK_DIR}/new3/a/b/)
expect_absent(${WORK_DIR}/new3)
expect_fail(2 sweep ${trace} --eps 0.1,1 --streams nomatch --plot ${WORK_DIR}/new4/figures)
expect_absent(${WORK_DIR}/new4)

# Directories that existed before the run stay, with what they hold; only the part this run made goes.
file(MAKE_DIRECTORY ${WORK_DIR}/empty_before)
file(WRITE ${WORK_DIR}/user_dir/notes.txt "the user's file\n")
expect_fail(2 certify ${WORK_DIR}/text.h5 --plot ${WORK_DIR}/empty_before)
expect_fail(2 certify ${WORK_DIR}/text.h5 --plot ${WORK_DIR}/user_dir)
expect_fail(2 sweep ${WORK_DIR}/text.h5 --eps 0.1,1 --plot ${WORK_DIR}/user_dir/new/figures)
if(NOT IS_DIRECTORY ${WORK_DIR}/empty_before OR NOT EXISTS ${WORK_DIR}/user_dir/notes.txt)
  message(FATAL_ERROR "a failed run removed a directory or file that existed before it")
endif()
expect_absent(${WORK_DIR}/user_dir/new)

# A failing plotting script: one line naming the script and its last error line; the summary is on stdout.
foreach(command certify sweep)
  if(command STREQUAL "sweep")
    set(extra --eps 0.1,1)
  else()
    set(extra "")
  endif()
  set(ENV{MPLBACKEND} nonexistent_backend)
  expect_fail(3 ${command} ${trace} ${extra} --plot ${WORK_DIR}/failing_${command})
  unset(ENV{MPLBACKEND})
  if(NOT last_err MATCHES "plot_${command}\\.py: plotting script failed \\(exit status 1\\): [A-Za-z.]*Error: ")
    message(FATAL_ERROR "${command}: the error line does not end with the script's error: '${last_err}'")
  endif()
  if(NOT last_out MATCHES "verdict: ")
    message(FATAL_ERROR "${command}: the summary is missing from stdout: '${last_out}'")
  endif()
endforeach()
