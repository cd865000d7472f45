# The one list of kernel sources, included by the host library (src/CMakeLists.txt) and by the
# RV32 firmware (src/targets/rv32/CMakeLists.txt, through BFEDGE_ROOT). Paths are absolute.
#   BFEDGE_KERNEL_SOURCES      freestanding: the variant lists, references, portable and MCU
#                              kernels; compiled for every target
#   BFEDGE_KERNEL_HOST_SOURCES x86 variants, CPU detection and the ISA cap: the host library only
#   BFEDGE_KERNEL_X86_DEFINE   what a target without them compiles variants.cpp with
get_filename_component(_bfedge_kernels "${CMAKE_CURRENT_LIST_DIR}/../src/kernels" ABSOLUTE)

set(BFEDGE_KERNEL_SOURCES
  ${_bfedge_kernels}/../core/bf16.cpp
  ${_bfedge_kernels}/variants.cpp
  ${_bfedge_kernels}/ref/activation.cpp
  ${_bfedge_kernels}/ref/attention_decode.cpp
  ${_bfedge_kernels}/ref/attention_encoder.cpp
  ${_bfedge_kernels}/ref/conv.cpp
  ${_bfedge_kernels}/ref/elementwise.cpp
  ${_bfedge_kernels}/ref/llama_ops.cpp
  ${_bfedge_kernels}/ref/matmul.cpp
  ${_bfedge_kernels}/ref/matvec.cpp
  ${_bfedge_kernels}/ref/mhsa.cpp
  ${_bfedge_kernels}/ref/norm.cpp
  ${_bfedge_kernels}/ref/softmax.cpp
  ${_bfedge_kernels}/ref/window.cpp
  ${_bfedge_kernels}/portable/activation.cpp
  ${_bfedge_kernels}/portable/attention_decode.cpp
  ${_bfedge_kernels}/portable/attention_encoder.cpp
  ${_bfedge_kernels}/portable/conv.cpp
  ${_bfedge_kernels}/portable/elementwise.cpp
  ${_bfedge_kernels}/portable/matmul.cpp
  ${_bfedge_kernels}/portable/matvec.cpp
  ${_bfedge_kernels}/portable/mhsa.cpp
  ${_bfedge_kernels}/portable/norm.cpp
  ${_bfedge_kernels}/portable/softmax.cpp
  ${_bfedge_kernels}/portable/window.cpp
  ${_bfedge_kernels}/rv32/attention.cpp
  ${_bfedge_kernels}/rv32/attention_decode.cpp
  ${_bfedge_kernels}/rv32/attention_gemm.cpp
  ${_bfedge_kernels}/rv32/linear.cpp
  ${_bfedge_kernels}/rv32/matvec.cpp
  ${_bfedge_kernels}/rv32/mhsa.cpp
  ${_bfedge_kernels}/rv32/micro.cpp
  ${_bfedge_kernels}/rv32/norm.cpp
)

set(BFEDGE_KERNEL_HOST_SOURCES
  ${_bfedge_kernels}/isa.cpp
  ${_bfedge_kernels}/x86/activation.cpp
  ${_bfedge_kernels}/x86/attention_decode.cpp
  ${_bfedge_kernels}/x86/attention_encoder.cpp
  ${_bfedge_kernels}/x86/attention_decode_avx2.cpp
  ${_bfedge_kernels}/x86/conv.cpp
  ${_bfedge_kernels}/x86/cpu_features.cpp
  ${_bfedge_kernels}/x86/elementwise.cpp
  ${_bfedge_kernels}/x86/matmul_avx2.cpp
  ${_bfedge_kernels}/x86/matmul_avx512bf16.cpp
  ${_bfedge_kernels}/x86/matmul_amxbf16.cpp
  ${_bfedge_kernels}/x86/matvec.cpp
  ${_bfedge_kernels}/x86/mhsa.cpp
  ${_bfedge_kernels}/x86/norm.cpp
  ${_bfedge_kernels}/x86/softmax.cpp
  ${_bfedge_kernels}/x86/window.cpp
)

set(BFEDGE_KERNEL_X86_DEFINE BFEDGE_KERNELS_X86=0)
unset(_bfedge_kernels)
