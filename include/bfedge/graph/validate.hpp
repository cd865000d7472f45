// Checks a graph before anything runs or plans it: every id exists, nodes come after what they
// read, each op has the inputs, element types and shapes its params say, in-place results are
// not read through their old name afterwards, and weights have bytes. The first problem comes
// back as one line naming the node ("node 'layer0.wq' (matvec): ...").
#pragma once

#include "bfedge/core/status.hpp"
#include "bfedge/graph/graph.hpp"

namespace bfedge::graph {

Status validate(const Graph& graph);

}  // namespace bfedge::graph
