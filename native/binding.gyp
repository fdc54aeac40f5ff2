{
  "targets": [
    {
      "target_name": "actlab_onednn",
      "sources": ["src/addon.cc"],
      "include_dirs": ["<!(node -p \"(process.env.DNNL_PREFIX || '/usr') + '/include'\")"],
      "libraries": [
        "-L<!(node -p \"process.env.DNNL_LIB || '/usr/lib'\")",
        "-Wl,-rpath,<!(node -p \"process.env.DNNL_LIB || '/usr/lib'\")",
        "-ldnnl"
      ],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='linux'", {"cflags_cc": ["-fopenmp"], "ldflags": ["-fopenmp"]}]
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      }
    }
  ]
}
