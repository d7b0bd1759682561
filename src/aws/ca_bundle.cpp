// CA bundle discovery: the variables a user sets win; otherwise the OS's bundle, wherever it is.
#include "aws/ca_bundle.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace tk::aws {

Result<CaBundle> FindCaBundle(std::string_view aws_ca_bundle, std::string_view ssl_cert_file,
                              const FileExists& exists) {
  const auto from_variable = [&](std::string_view variable, std::string_view value,
                                 CaBundleSource source) -> Result<CaBundle> {
    std::string path(value);
    if (!exists(path)) {
      return Error{std::string(variable) + "=\"" + path +
                   "\" is invalid: expected a readable PEM CA bundle file (no such file)"};
    }
    return CaBundle{std::move(path), source};
  };
  if (!aws_ca_bundle.empty()) {
    return from_variable(kAwsCaBundleVariable, aws_ca_bundle, CaBundleSource::kAwsCaBundle);
  }
  if (!ssl_cert_file.empty()) {
    return from_variable(kSslCertFileVariable, ssl_cert_file, CaBundleSource::kSslCertFile);
  }
  for (std::string_view candidate : kWellKnownCaBundlePaths) {
    std::string path(candidate);
    if (exists(path)) return CaBundle{std::move(path), CaBundleSource::kWellKnownPath};
  }
  return CaBundle{"", CaBundleSource::kLibraryDefault};
}

bool IsReadableFile(const std::string& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error) && ::access(path.c_str(), R_OK) == 0;
}

std::string_view CaBundleSourceName(CaBundleSource source) {
  switch (source) {
    case CaBundleSource::kAwsCaBundle:
      return kAwsCaBundleVariable;
    case CaBundleSource::kSslCertFile:
      return kSslCertFileVariable;
    case CaBundleSource::kWellKnownPath:
      return "well-known path";
    case CaBundleSource::kLibraryDefault:
      break;
  }
  return "TLS library default";
}

}  // namespace tk::aws
