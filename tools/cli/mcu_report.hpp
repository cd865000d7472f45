// Printing MCU runs: the per-core table (raw counts beside modeled cycles) and its JSON form.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bfedge/emulator/cycle_model.hpp"

namespace bfedge::cli {

nlohmann::ordered_json mcu_report_json(const emulator::ModelReport& report, const emulator::CycleModelParams& params);
void print_mcu_cores(const std::string& title, const emulator::ModelReport& report, const emulator::CycleModelParams& params);
nlohmann::ordered_json cycle_model_json(const emulator::CycleModelParams& params);

}  // namespace bfedge::cli
