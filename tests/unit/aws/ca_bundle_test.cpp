// CA bundle discovery: variable precedence, missing files as errors, and the OS path search order.
#include "aws/ca_bundle.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <vector>

namespace tk::aws {
namespace {

constexpr char kAmazonLinuxBundle[] = "/etc/pki/tls/certs/ca-bundle.crt";
constexpr char kDebianBundle[] = "/etc/ssl/certs/ca-certificates.crt";

// A filesystem holding exactly `files`; records every path asked about.
struct FakeFiles {
  std::set<std::string> files;
  std::vector<std::string> asked;

  FileExists Predicate() {
    return [this](const std::string& path) {
      asked.push_back(path);
      return files.count(path) > 0;
    };
  }
};

TEST(CaBundleTest, UsesAwsCaBundleBeforeSslCertFileAndTheOsBundle) {
  FakeFiles fs{{"/opt/a.pem", "/etc/b.pem", kAmazonLinuxBundle}, {}};
  auto bundle = FindCaBundle("/opt/a.pem", "/etc/b.pem", fs.Predicate());
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  EXPECT_EQ(bundle->path, "/opt/a.pem");
  EXPECT_EQ(bundle->source, CaBundleSource::kAwsCaBundle);
}

TEST(CaBundleTest, UsesSslCertFileWhenAwsCaBundleIsUnset) {
  FakeFiles fs{{"/etc/b.pem", kAmazonLinuxBundle}, {}};
  auto bundle = FindCaBundle("", "/etc/b.pem", fs.Predicate());
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  EXPECT_EQ(bundle->path, "/etc/b.pem");
  EXPECT_EQ(bundle->source, CaBundleSource::kSslCertFile);
}

TEST(CaBundleTest, ReportsAwsCaBundleNamingAMissingFileAsAnErrorInsteadOfFallingBack) {
  FakeFiles fs{{"/etc/b.pem", kAmazonLinuxBundle}, {}};
  auto bundle = FindCaBundle("/opt/missing.pem", "/etc/b.pem", fs.Predicate());
  ASSERT_FALSE(bundle.ok());
  EXPECT_NE(bundle.error().message.find("AWS_CA_BUNDLE=\"/opt/missing.pem\""), std::string::npos)
      << bundle.error().message;
  EXPECT_NE(bundle.error().message.find("no such file"), std::string::npos);
}

TEST(CaBundleTest, ReportsSslCertFileNamingAMissingFileAsAnError) {
  FakeFiles fs{{kAmazonLinuxBundle}, {}};
  auto bundle = FindCaBundle("", "/etc/missing.pem", fs.Predicate());
  ASSERT_FALSE(bundle.ok());
  EXPECT_NE(bundle.error().message.find("SSL_CERT_FILE=\"/etc/missing.pem\""), std::string::npos)
      << bundle.error().message;
}

TEST(CaBundleTest, ChecksOnlyTheVariableThatWins) {
  FakeFiles fs{{"/opt/a.pem"}, {}};
  auto bundle = FindCaBundle("/opt/a.pem", "/etc/missing.pem", fs.Predicate());
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  EXPECT_EQ(fs.asked, std::vector<std::string>{"/opt/a.pem"});
}

TEST(CaBundleTest, FindsTheAmazonLinuxBundleWhenNoVariableIsSet) {
  FakeFiles fs{{kAmazonLinuxBundle, kDebianBundle}, {}};
  auto bundle = FindCaBundle("", "", fs.Predicate());
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  EXPECT_EQ(bundle->path, kAmazonLinuxBundle);
  EXPECT_EQ(bundle->source, CaBundleSource::kWellKnownPath);
}

TEST(CaBundleTest, FindsTheDebianBundleWhereAmazonLinuxsPathIsAbsent) {
  FakeFiles fs{{kDebianBundle}, {}};
  auto bundle = FindCaBundle("", "", fs.Predicate());
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  EXPECT_EQ(bundle->path, kDebianBundle);
}

TEST(CaBundleTest, SearchesEveryWellKnownPathInOrder) {
  for (std::string_view wanted : kWellKnownCaBundlePaths) {
    FakeFiles fs{{std::string(wanted)}, {}};
    auto bundle = FindCaBundle("", "", fs.Predicate());
    ASSERT_TRUE(bundle.ok()) << bundle.error().message;
    EXPECT_EQ(bundle->path, wanted);
    ASSERT_FALSE(fs.asked.empty());
    EXPECT_EQ(fs.asked.back(), wanted) << "searched past the first existing path";
  }
}

TEST(CaBundleTest, FallsBackToTheLibraryDefaultWhenNothingExists) {
  FakeFiles fs;
  auto bundle = FindCaBundle("", "", fs.Predicate());
  ASSERT_TRUE(bundle.ok()) << bundle.error().message;
  EXPECT_EQ(bundle->path, "");
  EXPECT_EQ(bundle->source, CaBundleSource::kLibraryDefault);
  EXPECT_EQ(fs.asked.size(), kWellKnownCaBundlePaths.size());
}

TEST(CaBundleTest, NamesEachSourceForTheStartUpLog) {
  EXPECT_EQ(CaBundleSourceName(CaBundleSource::kAwsCaBundle), "AWS_CA_BUNDLE");
  EXPECT_EQ(CaBundleSourceName(CaBundleSource::kSslCertFile), "SSL_CERT_FILE");
  EXPECT_EQ(CaBundleSourceName(CaBundleSource::kWellKnownPath), "well-known path");
  EXPECT_EQ(CaBundleSourceName(CaBundleSource::kLibraryDefault), "TLS library default");
}

TEST(CaBundleTest, RealFilesystemPredicateAcceptsFilesAndRejectsDirectoriesAndMissingPaths) {
  const std::string path = ::testing::TempDir() + "ca_bundle_test.pem";
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("-----BEGIN CERTIFICATE-----\n", file);
  std::fclose(file);
  EXPECT_TRUE(IsReadableFile(path));
  EXPECT_FALSE(IsReadableFile(::testing::TempDir()));
  EXPECT_FALSE(IsReadableFile(path + ".missing"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace tk::aws
