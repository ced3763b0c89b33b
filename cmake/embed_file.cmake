# cmake -DIN=FILE -DOUT=FILE.c -P embed_file.cmake: writes FILE.c defining
#   const unsigned char mloda_serve_dashboard_html[];  (the bytes of IN, then a NUL)
#   const size_t mloda_serve_dashboard_html_len;       (without the NUL)
# so the server carries its dashboard page and needs no files at run time.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n_hex)
math(EXPR n_bytes "${n_hex} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "/* Generated from ${IN} by cmake/embed_file.cmake: do not edit. */\n"
  "#include <stddef.h>\n"
  "extern const unsigned char mloda_serve_dashboard_html[];\n"
  "extern const size_t mloda_serve_dashboard_html_len;\n"
  "const unsigned char mloda_serve_dashboard_html[] = {\n${bytes}0x00};\n"
  "const size_t mloda_serve_dashboard_html_len = ${n_bytes};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
