# cmake -DIN=file -DOUT=file.cpp -DFUNC=name -P embed_text.cmake
# Writes a C++ file defining `const std::string& server::FUNC()` returning
# the file's text (split into raw-string chunks below MSVC-ish literal limits).
file(READ ${IN} text)
string(FIND "${text}" ")judge_text\"" bad)
if(NOT bad EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter")
endif()
string(LENGTH "${text}" len)
set(body "// Generated from ${IN} by embed_text.cmake. Do not edit.\n#include <string>\n\nnamespace server {\n\nconst std::string& ${FUNC}() {\n    static const std::string text = std::string()")
set(pos 0)
while(pos LESS len)
  string(SUBSTRING "${text}" ${pos} 8000 chunk)
  string(APPEND body "\n        + R\"judge_text(${chunk})judge_text\"")
  math(EXPR pos "${pos} + 8000")
endwhile()
string(APPEND body ";\n    return text;\n}\n\n}  // namespace server\n")
file(WRITE ${OUT} "${body}")
