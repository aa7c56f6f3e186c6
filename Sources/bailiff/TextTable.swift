/// A plain-text table: a header row and columns aligned with spaces, no colours, so it
/// reads the same in a terminal, a pipe and a log.
struct TextTable {
    enum Alignment {
        case left, right
    }

    struct Column {
        var title: String
        var alignment: Alignment

        init(_ title: String, _ alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The lines, without a final newline.
    var text: String {
        let all = [columns.map(\.title)] + rows
        var widths = columns.map { _ in 0 }
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            var line = ""
            for (index, column) in columns.enumerated() {
                let cell = index < row.count ? row[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                if index > 0 { line += "  " }
                line += column.alignment == .right ? padding + cell : cell + padding
            }
            return line.trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }

    /// `name:  value` lines with the values lined up.
    static func pairs(_ pairs: [(String, String)]) -> String {
        let width = pairs.map { $0.0.count }.max() ?? 0
        return pairs.map { name, value in
            "\(name):\(String(repeating: " ", count: width - name.count + 2))\(value)".trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = Substring(self)
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
