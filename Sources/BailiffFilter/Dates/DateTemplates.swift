/// fail2ban's default date templates, in its order.
struct DefaultDateTemplates: Sendable {
    /// The default patterns, most specific and most common first.
    static let patterns: [String] = [
        // 2005-01-23T21:59:59.981746, 2005-01-23 21:59:59, 2005/01/23 21:59:59, 2006.12.21 06:43:20
        #"%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?"#,
        // Jan 23 21:59:59, Sun Jan 23 21:59:59.011 2005
        #"(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?"#,
        // Sun Jan 23 2005 21:59:59.011
        #"(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?"#,
        // 23/01/2005 21:59:59, 23/01/05 21:59:59, 17-07-2008 17:23:25
        #"%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S"#,
        // [31/Oct/2006:09:22:55 -0000], 26-Jul-2007 15:20:52.252 +0200
        #"%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?"#,
        // 05/20/2008:01:57:39
        #"%m/%d/%ExY:%H:%M:%S"#,
        // 01-27-2012 16:22:44.252
        #"%m-%d-%ExY %k:%M:%S(?:\.%f)?"#,
        // seconds since the epoch
        "EPOCH",
        // only a time at the line start
        "{^LN-BEG}%H:%M:%S",
        // <09/16/08@05:03:30>
        "^<%m/%d/%Exy@%H:%M:%S>",
        // MySQL 130322 11:46:11
        "%Exy%Exm%Exd  ?%H:%M:%S",
        // Jan 23, 2005 9:59:59 PM
        "%b %d, %ExY %I:%M:%S %p",
        // Apr-27-13 02:33:06
        "^%b-%d-%Exy %k:%M:%S",
        // 20050123T215959, 20050123 215959
        #"%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\s*%z)?"#,
        // PDT Apr 16 21:05:29
        #"(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?"#,
        // +00:00 Jan 23 21:59:59.011 2005
        #"(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?"#,
        // TAI64N
        "TAI64N",
    ]

    /// The default templates as built from `patterns`.
    let plain: [DateTemplate]
    /// The full default list: line-start copies of the templates not already bound to the line
    /// start (weight 100, tried first), then the plain templates.
    let all: [DateTemplate]

    init(factory: DateTemplateFactory) throws(DatePatternError) {
        var plain: [DateTemplate] = []
        var anchored: [DateTemplate] = []
        for pattern in DefaultDateTemplates.patterns {
            let template = try factory.template(forPattern: pattern)
            if !template.name.hasPrefix("{^LN-BEG}") && !template.name.hasPrefix("^") {
                let copy = try DefaultDateTemplates.lineStartCopy(of: template, factory: factory)
                if copy.name != template.name { anchored.append(copy.withWeight(100)) }
            }
            plain.append(template)
        }
        self.plain = plain
        all = anchored + plain
    }

    /// The same template bound to the line start (`{^LN-BEG}` prefix).
    static func lineStartCopy(of template: DateTemplate, factory: DateTemplateFactory) throws(DatePatternError) -> DateTemplate {
        if let pattern = template.pattern { return try factory.template(forPattern: "{^LN-BEG}" + pattern) }
        return try factory.template(forPattern: "{^LN-BEG}" + template.name)
    }

    /// The template with its pattern embedded into a `{DATE}` pre-match such as
    /// `^<\d+>\d+\s+{DATE}`. Epoch and TAI64N templates embed their name (as fail2ban does).
    static func embedded(_ template: DateTemplate, in preMatch: String, factory: DateTemplateFactory) throws(DatePatternError) -> DateTemplate {
        let inner = TemplateRegexShape.unbound(template.pattern ?? template.name)
        let pattern = TemplateRegexShape.replacingPlaceholder("DATE", in: preMatch) { _ in inner }
        return try factory.template(forPattern: pattern)
    }
}
