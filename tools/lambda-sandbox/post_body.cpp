// Assembling POST bodies: Lambda delivers telemetry "as an array of records in JSON format"
// (Telemetry API, "Specifying a destination protocol"); a body cut inside an event is not closed.
#include "post_body.h"

namespace sandbox {

const char* pieceName(Piece piece) {
  switch (piece) {
    case Piece::kFirst:
      return "first";
    case Piece::kMiddle:
      return "middle";
    case Piece::kLast:
      return "last";
    case Piece::kWhole:
      break;
  }
  return "whole";
}

std::string assembleBody(const std::vector<Fragment>& fragments, bool open_bracket,
                         std::vector<Segment>& segments) {
  std::size_t size = 2;
  for (const Fragment& f : fragments) {
    size += f.bytes.size() + 1;
  }
  std::string body;
  body.reserve(size);
  if (open_bracket) {
    body.push_back('[');
  }
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    if (i > 0) {
      body.push_back(',');
    }
    const std::size_t from = body.size();
    body += fragments[i].bytes;
    segments.push_back({fragments[i].event, fragments[i].piece, from, body.size()});
  }
  const bool cut = !fragments.empty() && (fragments.back().piece == Piece::kFirst ||
                                          fragments.back().piece == Piece::kMiddle);
  if (!cut) {
    body.push_back(']');
  }
  return body;
}

}  // namespace sandbox
