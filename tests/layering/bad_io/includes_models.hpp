// A fixture for the layering check's own test: an io-like file that includes a model header.
#pragma once
#include "bfedge/core/status.hpp"
#include "bfedge/models/llama_config.hpp"
