# Output paths that are not plain new files (docs/cli.md, "Output files"): a FIFO (and so /dev/stdout,
# /dev/null) is written in place, never replaced by a regular file; a symbolic link keeps pointing at
# its target, which receives the output (created when the link dangles); a directory, a loop of links or
# a FIFO as a trace output (gen, kernel --out) or under sweep --plot is refused with exit 2 before any work.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(trace ${WORK_DIR}/in.h5)
execute_process(COMMAND ${VASHISTA} gen ${trace} --n 128 --d 8 --dv 4 --queries 2 RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gen failed (${rc})")
endif()
function(run_expect code)
  execute_process(COMMAND ${VASHISTA} ${ARGN} RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "vashista ${ARGN}: expected exit ${code}, got ${rc}: ${err}")
  endif()
  set(last_error "${err}" PARENT_SCOPE)
endfunction()
function(expect_kind test_flag path what)
  execute_process(COMMAND test ${test_flag} ${path} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${path} is no longer ${what}")
  endif()
endfunction()

# A FIFO read by `cat` while certify writes its CSV there (cat then reads certify's stdout too).
set(fifo ${WORK_DIR}/rows.fifo)
execute_process(COMMAND mkfifo ${fifo} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mkfifo failed")
endif()
execute_process(COMMAND ${VASHISTA} certify ${trace} --quiet --threads 1 --per-query ${fifo}
                COMMAND cat ${fifo} -
                RESULTS_VARIABLE codes OUTPUT_VARIABLE piped ERROR_VARIABLE err TIMEOUT 120)
if(NOT codes STREQUAL "0;0")
  message(FATAL_ERROR "certify --per-query FIFO: exit codes ${codes}: ${err}")
endif()
if(NOT piped MATCHES "^stream,query,model,n,eps,status")
  message(FATAL_ERROR "certify --per-query FIFO: the reader did not receive the CSV")
endif()
expect_kind(-p ${fifo} "a FIFO")

# A symbolic link, then a dangling one, then a relative one from another directory.
file(WRITE ${WORK_DIR}/target.csv "old")
file(CREATE_LINK target.csv ${WORK_DIR}/link.csv SYMBOLIC)
run_expect(0 certify ${trace} --quiet --threads 1 --per-query ${WORK_DIR}/link.csv)
expect_kind(-L ${WORK_DIR}/link.csv "a symbolic link")
file(STRINGS ${WORK_DIR}/target.csv first_line LIMIT_COUNT 1)
if(NOT first_line MATCHES "^stream,query,model")
  message(FATAL_ERROR "certify --per-query LINK: the link's target did not receive the CSV")
endif()
file(CREATE_LINK missing.json ${WORK_DIR}/dangling.json SYMBOLIC)
run_expect(0 certify ${trace} --quiet --threads 1 --report ${WORK_DIR}/dangling.json)
expect_kind(-L ${WORK_DIR}/dangling.json "a symbolic link")
expect_kind(-f ${WORK_DIR}/missing.json "a file")

# Refused before any work: a directory, a loop of links, FIFOs as trace outputs.
file(MAKE_DIRECTORY ${WORK_DIR}/adir)
run_expect(2 certify ${trace} --quiet --report ${WORK_DIR}/adir)
if(NOT last_error MATCHES "^vashista: error: --report [^\n]*/adir: is a directory\n$")
  message(FATAL_ERROR "a directory as --report: the error does not name the option: ${last_error}")
endif()
file(CREATE_LINK loop_b ${WORK_DIR}/loop_a SYMBOLIC)
file(CREATE_LINK loop_a ${WORK_DIR}/loop_b SYMBOLIC)
run_expect(2 certify ${trace} --quiet --per-query ${WORK_DIR}/loop_a)
if(NOT last_error MATCHES "^vashista: error: --per-query [^\n]*/loop_a: not a regular file")
  message(FATAL_ERROR "a loop of links as --per-query: the error does not name the option: ${last_error}")
endif()
expect_kind(-L ${WORK_DIR}/loop_a "a symbolic link")
run_expect(2 gen ${fifo} --n 16 --d 4 --force)
run_expect(2 kernel ${trace} --out ${fifo} --quiet)
expect_kind(-p ${fifo} "a FIFO")
# sweep --plot reads its CSV and JSON back: a stream there is refused, not waited on.
run_expect(2 sweep ${trace} --eps 1 --quiet --plot ${WORK_DIR}/figures --per-query ${fifo})
expect_kind(-p ${fifo} "a FIFO")

# Standard output that cannot be written (a full disk, here /dev/full) is an I/O error, not a success.
if(EXISTS /dev/full)
  execute_process(COMMAND ${VASHISTA} certify ${trace} --quiet --threads 1 OUTPUT_FILE /dev/full
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 3 OR NOT err MATCHES "standard output")
    message(FATAL_ERROR "certify > /dev/full: expected exit 3 naming standard output, got ${rc}: ${err}")
  endif()
endif()

# sweep --plot naming a file: a usage error (a std::filesystem exception reached the user as exit 5).
run_expect(2 sweep ${trace} --eps 1 --quiet --plot ${trace})

# /dev/stdout as an output while stdout goes to a pipe, then to a regular file: the CSV and the summary
# both arrive (written through the process's own stdout; the file under /dev/stdout was replaced before,
# losing the summary), and two outputs may share it.
execute_process(COMMAND ${VASHISTA} certify ${trace} --quiet --threads 1 --per-query /dev/stdout
                RESULT_VARIABLE rc OUTPUT_VARIABLE piped ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT piped MATCHES "stream,query,model" OR NOT piped MATCHES "verdict:")
  message(FATAL_ERROR "certify --per-query /dev/stdout into a pipe: exit ${rc}, output:\n${piped}\n${err}")
endif()
execute_process(COMMAND ${VASHISTA} certify ${trace} --quiet --threads 1 --per-query /dev/stdout --report /dev/stdout
                RESULT_VARIABLE rc OUTPUT_FILE ${WORK_DIR}/stdout.txt ERROR_VARIABLE err)
file(READ ${WORK_DIR}/stdout.txt redirected)
if(NOT rc EQUAL 0 OR NOT redirected MATCHES "stream,query,model" OR NOT redirected MATCHES "\"command\": \"certify\""
   OR NOT redirected MATCHES "verdict:")
  message(FATAL_ERROR "certify --per-query/--report /dev/stdout into a file: exit ${rc}, file:\n${redirected}\n${err}")
endif()
