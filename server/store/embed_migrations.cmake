# cmake -DOUT=file.cpp -DFILES="a.sql|b.sql" -DFUNC=name -DDIR=schema/x -P embed_migrations.cmake
# Writes a C++ file defining server::FUNC() with each file's text. The
# SQL goes in as a raw string literal with a delimiter no migration may
# contain.
string(REPLACE "|" ";" FILES "${FILES}")
set(body "// Generated from ${DIR} by embed_migrations.cmake. Do not edit.\n#include \"server/store/migrations.hpp\"\n\nnamespace server {\n\nconst std::vector<Migration>& ${FUNC}() {\n    static const std::vector<Migration> all = {\n")
foreach(f IN LISTS FILES)
  get_filename_component(name ${f} NAME)
  string(REGEX MATCH "^([0-9]+)_" _ ${name})
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "migration ${name}: the name must start with its number (0001_...)")
  endif()
  math(EXPR number "${CMAKE_MATCH_1}")
  file(READ ${f} sql)
  string(FIND "${sql}" ")judge_sql\"" bad)
  if(NOT bad EQUAL -1)
    message(FATAL_ERROR "migration ${name} contains the raw-string delimiter")
  endif()
  string(APPEND body "        {${number}, \"${name}\", R\"judge_sql(${sql})judge_sql\"},\n")
endforeach()
string(APPEND body "    };\n    return all;\n}\n\n}  // namespace server\n")
file(WRITE ${OUT} "${body}")
