// The one table of settings (kSettings) against what it describes: the loader validates its typed
// rows, Config and the loader hold its defaults, and README.md's "Configuration" table has exactly
// its rows.
#include "config/settings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tk::config {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// The README's variable cell of a setting.
std::string VariableCell(const Setting& setting) {
  return "`" + std::string(setting.variable) + "`" + std::string(setting.also);
}

// The README row a setting must have.
std::string ReadmeRow(const Setting& setting) {
  return "| " + VariableCell(setting) + " | " + std::string(setting.default_text) + " | " +
         std::string(setting.meaning) + " |";
}

// The setting's value in `config`, written as the README writes a default; nullopt when the
// Config holds none (required, set from other variables, resolved at load).
std::optional<std::string> ValueText(const Setting& setting, const Config& config) {
  switch (setting.kind) {
    case SettingKind::kNumber:
      return "`" + std::to_string(setting.get(config)) + "`";
    case SettingKind::kChoice: {
      const uint64_t index = setting.get(config);
      if (index >= setting.choices.size()) return "(choice " + std::to_string(index) + ")";
      return "`" + std::string(setting.choices[index]) + "`";
    }
    case SettingKind::kBool:
      return setting.get(config) != 0 ? "`true`" : "`false`";
    case SettingKind::kBespoke:
      break;
  }
  if (setting.text_of == nullptr) return std::nullopt;
  return "`" + setting.text_of(config) + "`";
}

bool IsTyped(const Setting& setting) { return setting.kind != SettingKind::kBespoke; }

// Enough for the loader to run without other errors; the typed settings all keep defaults.
Environment MinimalEnvironment() {
  return Environment({{"AWS_REGION", "eu-west-1"},
                      {"TELEMETRY_KINESIS_STREAM", "telemetry"},
                      {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                      {"AWS_SECRET_ACCESS_KEY", "secret"}});
}

LoadedConfig LoadWith(std::string_view variable, std::string value) {
  Environment environment = MinimalEnvironment();
  environment.Set(std::string(variable), std::move(value));
  return LoadConfig(environment);
}

// The rows of README.md's "Configuration" table.
std::vector<std::string> ReadmeConfigurationRows() {
  std::ifstream file(std::string(TK_SOURCE_DIR) + "/README.md");
  std::vector<std::string> rows;
  std::string line;
  while (std::getline(file, line) && line != "## Configuration") {
  }
  while (std::getline(file, line) && line != "| variable | default | meaning |") {
  }
  std::getline(file, line);  // | --- | --- | --- |
  while (std::getline(file, line) && line.starts_with("|")) rows.push_back(line);
  return rows;
}

std::string VariableCellOf(const std::string& row) {
  const size_t end = row.find(" | ");
  return end == std::string::npos ? row : row.substr(2, end - 2);
}

TEST(SettingsTest, VariablesAreUniqueAndTypedRowsAreComplete) {
  std::set<std::string_view> variables;
  for (const Setting& setting : kSettings) {
    EXPECT_TRUE(variables.insert(setting.variable).second) << setting.variable;
    if (!IsTyped(setting)) continue;
    EXPECT_TRUE(setting.get != nullptr && setting.set != nullptr) << setting.variable;
    if (setting.kind == SettingKind::kNumber && setting.max_of == nullptr) {
      EXPECT_LE(setting.min, setting.max) << setting.variable;
    }
    if (setting.kind == SettingKind::kChoice) {
      EXPECT_FALSE(setting.choices.empty()) << setting.variable;
    }
  }
}

TEST(SettingsTest, EveryDefaultShownAsAValueIsConfigsAndTheLoadersDefault) {
  const Config defaults;
  // An empty environment: errors (no stream, no region), but every default in place.
  const Config loaded = LoadConfig(Environment(), [](const std::string&) { return false; }).config;
  for (const Setting& setting : kSettings) {
    const std::optional<std::string> value = ValueText(setting, defaults);
    // Lambda always sets these: Config's value is only a stand-in.
    if (!value || setting.default_text == "set by Lambda") continue;
    EXPECT_EQ(setting.default_text, *value)
        << "src/config/settings.h: the default of " << setting.variable
        << " must be what Config{} holds, " << *value << " (or fix Config's member)";
    EXPECT_EQ(ValueText(setting, loaded), value)
        << setting.variable << ": the loader's default differs from Config{}'s";
  }
}

// Each typed row is read from the table: its ends or choices are taken, anything else refused
// with the message the row implies.
TEST(SettingsTest, TheLoaderValidatesEveryTypedSettingFromItsRow) {
  for (const Setting& setting : kSettings) {
    if (!IsTyped(setting)) continue;
    std::vector<std::pair<std::string, uint64_t>> valid;
    if (setting.kind == SettingKind::kNumber) {
      const uint64_t max = setting.max_of ? setting.max_of(Config{}) : setting.max;
      valid = {{std::to_string(setting.min), setting.min}, {std::to_string(max), max}};
    } else if (setting.kind == SettingKind::kChoice) {
      for (size_t i = 0; i < setting.choices.size(); ++i) {
        valid.emplace_back(std::string(setting.choices[i]), i);
      }
    } else {
      valid = {{"TRUE", 1}, {"false", 0}};
    }
    for (const auto& [text, value] : valid) {
      const LoadedConfig loaded = LoadWith(setting.variable, text);
      // Some valid values conflict with other defaults (cloudwatch-logs, gzip): that is not this.
      for (const std::string& error : loaded.errors) {
        EXPECT_THAT(error, Not(HasSubstr(std::string(setting.variable) + "=\""))) << text;
      }
      if (loaded.ok()) {
        EXPECT_EQ(setting.get(loaded.config), value) << setting.variable << "=" << text;
      }
    }
    const LoadedConfig refused = LoadWith(setting.variable, "bogus");
    EXPECT_THAT(refused.errors, Contains(HasSubstr(std::string(setting.variable) +
                                                   "=\"bogus\" is invalid: expected ")))
        << setting.variable << " is not validated from its row";
  }
}

TEST(SettingsTest, TheReadmeHasOneRowPerSetting) {
  const std::vector<std::string> rows = ReadmeConfigurationRows();
  ASSERT_FALSE(rows.empty()) << "README.md: no \"## Configuration\" table found";
  for (const Setting& setting : kSettings) {
    auto row = std::find_if(rows.begin(), rows.end(), [&](const std::string& readme_row) {
      return VariableCellOf(readme_row) == VariableCell(setting);
    });
    if (row == rows.end()) {
      ADD_FAILURE() << "README.md, \"Configuration\": add the row of " << setting.variable << ":\n"
                    << ReadmeRow(setting);
    } else {
      EXPECT_EQ(*row, ReadmeRow(setting))
          << "README.md, \"Configuration\": the row of " << setting.variable
          << " (above) differs from its row in src/config/settings.h (below): fix one to match";
    }
  }
}

TEST(SettingsTest, EveryReadmeRowIsASetting) {
  std::set<std::string> cells;
  for (const Setting& setting : kSettings) cells.insert(VariableCell(setting));
  for (const std::string& row : ReadmeConfigurationRows()) {
    EXPECT_TRUE(cells.contains(VariableCellOf(row)))
        << "README.md, \"Configuration\": the row of " << VariableCellOf(row)
        << " has no setting in src/config/settings.h (kSettings): add one, or remove the row";
  }
}

}  // namespace
}  // namespace tk::config
