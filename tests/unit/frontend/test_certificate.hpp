// A self-signed certificate and its key, made for a test.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace ikesteer::frontend::test {

// A self-signed P-256 certificate for `common_name`, valid for an hour.
class TestCertificate {
 public:
  explicit TestCertificate(const char* common_name);
  ~TestCertificate();
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;
  X509* certificate() const { return certificate_; }
  EVP_PKEY* key() const { return key_; }

 private:
  EVP_PKEY* key_ = nullptr;
  X509* certificate_ = nullptr;
};

}  // namespace ikesteer::frontend::test
