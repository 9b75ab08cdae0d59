// Helpers shared by the GoogleTest files: fixture loading, error capture,
// scratch directories and child processes.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "error.h"

#ifndef CLAWPAY_TEST_DATA_DIR
#define CLAWPAY_TEST_DATA_DIR "test/cpp/data"
#endif

namespace clawpay {

// A JSON fixture from test/cpp/data (written by the gen-*.mjs scripts there
// from viem's and Node's results). The folder is the build's, unless the
// environment's CLAWPAY_TEST_DATA_DIR names another: a test binary built on
// one machine and run on another (.github/workflows/prebuilds.yml).
inline nlohmann::json loadFixture(const std::string& name) {
  const char* dir = std::getenv("CLAWPAY_TEST_DATA_DIR");
  std::string path = std::string(dir && *dir ? dir : CLAWPAY_TEST_DATA_DIR) + "/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

// Written by test/cpp/data/gen-crypto-vectors.mjs from viem's results.
inline const nlohmann::json& cryptoVectors() {
  static const nlohmann::json vectors = loadFixture("crypto_vectors.json");
  return vectors;
}

// The clawpay::Error that f() throws; a test failure if it throws none.
template <typename F>
Error captureError(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected clawpay::Error";
  return Error(ErrorKind::Invalid, "NONE", "no error thrown");
}

// The code and message of the clawpay::Error that f() throws, or
// {"no error", ""}.
template <typename F>
std::pair<std::string, std::string> errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {"no error", ""};
}

#ifndef _WIN32
// Runs `body` in a child process; the child reports failure by exit status.
template <typename F>
pid_t spawn(F&& body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int rc = 0;
    try {
      body();
    } catch (...) {
      rc = 1;
    }
    ::_exit(rc);  // no atexit handlers, no gtest teardown in the child
  }
  return pid;
}

// The child's exit status, or 128 + the signal that ended it.
inline int waitExit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
#endif

// A fresh directory under /tmp (Windows: %TEMP%), removed with everything in it.
class TempDir {
 public:
  TempDir() {
#ifdef _WIN32
    static std::random_device seed;
    for (;;) {
      std::filesystem::path p = std::filesystem::temp_directory_path() / ("clawpay-test-" + std::to_string(seed()));
      if (std::filesystem::create_directory(p)) {
        path_ = p.generic_string();
        break;
      }
    }
#else
    char tmpl[] = "/tmp/clawpay-test-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
#endif
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

}  // namespace clawpay
