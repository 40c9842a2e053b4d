#include "trace/trace_summary.hpp"

#include "core/printable.hpp"
#include "trace/hdf5_guard.hpp"
#include "trace/trace_impl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace vashista {

namespace {

void describe_storage(const TraceFile& file, const std::string& name, StreamInfo& info) {
  const std::string path = "/streams/" + name + "/keys";
  const Hdf5Guard guard(file.path(), path);
  h5::Handle keys = h5::open_dataset(file.impl().file.get(), path, h5::Where{file.path(), path});
  info.dtype = h5::dataset_dtype_name(keys.get());
  info.storage = h5::dataset_storage_description(keys.get());
  h5::Handle group = h5::open_group(file.impl().file.get(), "/streams/" + name, h5::Where{file.path(), name});
  info.scale_from_attribute = h5::has_attribute(group.get(), "scale");
}

nlohmann::ordered_json json_number(double v) { return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(); }

}  // namespace

TraceSummary summarize_trace(const std::string& path, const std::vector<std::string>& stream_patterns) {
  const TraceFile file = open_trace(path);
  TraceSummary summary;
  summary.path = path;
  summary.format = file.format();
  summary.version = file.version();
  summary.source = file.source();
  summary.created_by = file.created_by();
  summary.total_streams = static_cast<Index>(file.stream_names().size());
  const std::vector<std::string> names = list_streams(file, stream_patterns);
  for (const std::string& name : names) {
    const Stream s = read_stream(file, name);  // full validation; memory bounded by one stream
    StreamInfo info;
    info.name = name;
    info.layer = s.layer;
    info.kv_head = s.kv_head;
    info.n = s.num_keys();
    info.d = s.dim();
    info.d_v = s.has_values() ? s.values.cols() : 0;
    info.m = s.num_queries();
    info.scale = s.scale;
    info.has_query_length = !s.query_length.empty();
    info.has_query_head = !s.query_head.empty();
    info.has_position = !s.position.empty();
    info.query_length_min = info.has_query_length ? *std::min_element(s.query_length.begin(), s.query_length.end()) : info.n;
    info.query_length_max = info.has_query_length ? *std::max_element(s.query_length.begin(), s.query_length.end()) : info.n;
    if (s.kernel) {
      info.has_kernel = true;
      info.kernel_E = static_cast<Index>(s.kernel->eps.size());
      info.kernel_eps = s.kernel->eps;
    }
    if (s.planted) {
      info.planted_model = s.planted->model;
      info.planted_face_size = static_cast<Index>(s.planted->face.size());
      if (!s.planted->delta.empty()) {
        info.planted_delta_min = *std::min_element(s.planted->delta.begin(), s.planted->delta.end());
      }
    }
    describe_storage(file, name, info);
    summary.streams.push_back(std::move(info));
  }
  return summary;
}

std::string format_summary_table(const TraceSummary& s) {
  std::string out = fmt::format("trace      {}\nformat     {} v{}\nsource     {}\ncreated_by {}\nstreams    {} of {} shown, all valid\n\n",
                                printable(s.path), printable(s.format), s.version,
                                s.source.empty() ? "-" : printable(s.source),
                                s.created_by.empty() ? "-" : printable(s.created_by), s.streams.size(), s.total_streams);
  const std::vector<std::string> header = {"stream", "layer", "kv_head", "n", "d", "d_v", "m", "dtype", "storage",
                                           "scale", "query_length", "kernel", "planted"};
  std::vector<std::vector<std::string>> rows;
  for (const StreamInfo& i : s.streams) {
    std::string ql = i.has_query_length ? fmt::format("{}..{}", i.query_length_min, i.query_length_max) : "all";
    std::string kernel = i.has_kernel ? fmt::format("E={}", i.kernel_E) : "-";
    std::string planted = i.planted_model.empty()
                              ? "-"
                              : fmt::format("{} |F|={} Delta>={:.4g}", i.planted_model, i.planted_face_size,
                                            i.planted_delta_min);
    rows.push_back({printable(i.name), i.layer >= 0 ? std::to_string(i.layer) : "-", i.kv_head >= 0 ? std::to_string(i.kv_head) : "-",
                    std::to_string(i.n), std::to_string(i.d), i.d_v > 0 ? std::to_string(i.d_v) : "-",
                    std::to_string(i.m), printable(i.dtype), i.storage,
                    fmt::format("{:.6g}{}", i.scale, i.scale_from_attribute ? "" : " (default)"), ql, kernel, planted});
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      text += c == 0 ? "" : "  ";
      text += fmt::format("{:<{}}", cells[c], c + 1 == cells.size() ? 0 : width[c]);
    }
    return text + "\n";
  };
  out += line(header);
  for (const auto& r : rows) out += line(r);
  return out;
}

std::string summary_to_json(const TraceSummary& s) {
  nlohmann::ordered_json streams = nlohmann::ordered_json::array();
  for (const StreamInfo& i : s.streams) {
    nlohmann::ordered_json kernel;  // null without kernel outputs
    if (i.has_kernel) {
      nlohmann::ordered_json eps = nlohmann::ordered_json::array();
      for (double e : i.kernel_eps) eps.push_back(json_number(e));
      kernel = {{"E", i.kernel_E}, {"eps", eps}};
    }
    nlohmann::ordered_json planted;  // null without a planted truth
    if (!i.planted_model.empty())
      planted = {{"model", i.planted_model}, {"face_size", i.planted_face_size}, {"delta_min", json_number(i.planted_delta_min)}};
    streams.push_back({{"name", i.name}, {"layer", i.layer}, {"kv_head", i.kv_head}, {"n", i.n}, {"d", i.d},
                       {"d_v", i.d_v}, {"m", i.m}, {"dtype", i.dtype}, {"storage", i.storage},
                       {"scale", json_number(i.scale)}, {"scale_from_attribute", i.scale_from_attribute},
                       {"query_length_min", i.query_length_min}, {"query_length_max", i.query_length_max},
                       {"has_query_length", i.has_query_length}, {"has_query_head", i.has_query_head},
                       {"has_position", i.has_position}, {"kernel", kernel}, {"planted", planted}});
  }
  const nlohmann::ordered_json summary = {{"trace", s.path},           {"format", s.format},
                                          {"version", s.version},      {"source", s.source},
                                          {"created_by", s.created_by}, {"total_streams", s.total_streams},
                                          {"valid", true},             {"streams", streams}};
  // Names and attributes are bytes in HDF5: invalid UTF-8 becomes U+FFFD (JSON text must be UTF-8; nlohmann
  // would throw), as in the certify and sweep reports (analysis/report_json.hpp, write_json).
  return summary.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace vashista
