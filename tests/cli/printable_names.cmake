# Names and attribute values read from a trace reach the terminal escaped (core/printable.hpp): an error
# stays one line on stderr, each summary row one line on stdout, and no escape byte from the file is
# printed; the CSV and JSON outputs keep the name exactly (quoted / escaped by their own rules).
include(${CMAKE_CURRENT_LIST_DIR}/support/common.cmake)  # WORK_DIR, python, run_ok
string(ASCII 27 escape_byte)

run_ok(${VASHISTA} gen ${WORK_DIR}/good.h5 --n 64 --d 8 --dv 0 --kind hull --seed 5)
run_ok(${python} ${CMAKE_CURRENT_LIST_DIR}/odd_names.py format ${WORK_DIR}/good.h5 ${WORK_DIR}/odd_format.h5)
run_ok(${python} ${CMAKE_CURRENT_LIST_DIR}/odd_names.py stream ${WORK_DIR}/good.h5 ${WORK_DIR}/odd_stream.h5)

# A refused attribute value: exit 2, one line, the line break and the escape sequence spelled out.
foreach(command certify inspect)
  execute_process(COMMAND ${VASHISTA} ${command} ${WORK_DIR}/odd_format.h5 RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  string(STRIP "${err}" err)
  if(NOT rc EQUAL 2 OR err MATCHES "\n" OR err MATCHES "${escape_byte}")
    message(FATAL_ERROR "${command} odd_format.h5: expected exit 2 and one escaped line, got ${rc}:\n${err}")
  endif()
  string(FIND "${err}" "format = 'vashista-trace\\nsecond line\\x1b[31m'" at)
  if(at LESS 0)
    message(FATAL_ERROR "${command} odd_format.h5: the value is not spelled out escaped: ${err}")
  endif()
endforeach()

# A valid trace whose stream name holds a comma, a quote, a line break and an escape sequence.
execute_process(COMMAND ${VASHISTA} certify ${WORK_DIR}/odd_stream.h5 --per-query ${WORK_DIR}/rows.csv
                        --report ${WORK_DIR}/report.json
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR out MATCHES "${escape_byte}" OR err MATCHES "${escape_byte}")
  message(FATAL_ERROR "certify odd_stream.h5: exit ${rc} or an escape byte printed:\n${out}\n${err}")
endif()
string(REPLACE "[" "<" out_plain "${out}")  # a "[" in a list element hides the ";" after it from list()
string(REGEX MATCHALL "\n[^\n]*(softmax|hull) +4 " table_rows "\n${out_plain}")
list(LENGTH table_rows count)
string(FIND "${out}" "a,b\"c\\nd\\x1b[31m  softmax" at_softmax)
if(NOT count EQUAL 2 OR at_softmax LESS 0)
  message(FATAL_ERROR "certify odd_stream.h5: expected two one-line rows naming the escaped stream:\n${out}")
endif()
execute_process(COMMAND ${VASHISTA} inspect ${WORK_DIR}/odd_stream.h5 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(FIND "${out}" "a,b\"c\\nd\\x1b[31m  0" at)
if(NOT rc EQUAL 0 OR at LESS 0 OR out MATCHES "${escape_byte}")
  message(FATAL_ERROR "inspect odd_stream.h5: exit ${rc}, expected the escaped name on one row:\n${out}\n${err}")
endif()
# The files keep the exact name.
execute_process(COMMAND ${python} -c "
import csv, json
odd = 'a,b\"c\\nd\\x1b[31m'
rows = list(csv.DictReader(open('${WORK_DIR}/rows.csv', newline='')))
assert rows and all(r['stream'] == odd for r in rows), set(r['stream'] for r in rows)
report = json.load(open('${WORK_DIR}/report.json'))
names = set()
def walk(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == 'stream': names.add(v)
            walk(v)
    elif isinstance(node, list):
        for v in node: walk(v)
walk(report)
assert names == {odd}, names
print(len(rows))
" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "outputs of odd_stream.h5 do not keep the name: ${out}\n${err}")
endif()
