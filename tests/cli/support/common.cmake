# Shared by CLI test scripts (included, not a test: tests/CMakeLists.txt registers tests/cli/*.cmake only).
# A fresh WORK_DIR; `python`: Debian's python3 where it exists (python3-h5py is installed for it; a python3
# earlier on PATH may lack h5py); run_ok(COMMAND...): fails the test on a non-zero exit, leaves stdout in
# last_out.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
if(EXISTS /usr/bin/python3)
  set(python /usr/bin/python3)
else()
  set(python python3)
endif()

function(run_ok)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN}: exit ${rc}: ${out} ${err}")
  endif()
  set(last_out "${out}" PARENT_SCOPE)
endfunction()
