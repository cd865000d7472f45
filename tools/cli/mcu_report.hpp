// Printing MCU runs: the per-core table (raw counts beside modeled cycles) and its JSON form.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bfedge/mcu/cycle_model.hpp"

namespace bfedge::cli {

nlohmann::ordered_json mcu_report_json(const mcu::ModelReport& report, const mcu::CycleModelParams& params);
void print_mcu_cores(const std::string& title, const mcu::ModelReport& report, const mcu::CycleModelParams& params);
nlohmann::ordered_json cycle_model_json(const mcu::CycleModelParams& params);

}  // namespace bfedge::cli
