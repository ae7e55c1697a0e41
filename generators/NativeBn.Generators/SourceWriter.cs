using System;
using System.Text;

namespace NativeBn.Generators
{
    /// <summary>Writes indented C# source; <see cref="Block"/> opens a brace block that closes when disposed.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _text = new();
        private int _indent;

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                _text.Append(' ', _indent * 4);
                _text.Append(line);
            }

            _text.Append('\n');
        }

        /// <summary>Writes the header and "{"; disposing writes <paramref name="close"/> ("}" or e.g. "};").</summary>
        public IDisposable Block(string header, string close = "}")
        {
            Line(header);
            Line("{");
            _indent++;
            return new Closer(this, close);
        }

        /// <summary>Opens a bare <c>{ }</c> scope.</summary>
        public IDisposable Scope()
        {
            Line("{");
            _indent++;
            return new Closer(this, "}");
        }

        public override string ToString() => _text.ToString();

        private sealed class Closer(SourceWriter writer, string close) : IDisposable
        {
            public void Dispose()
            {
                writer._indent--;
                writer.Line(close);
            }
        }
    }
}
