using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>A host that keeps what is written to it (Write-Host, a streamed answer), for tests of the console text.</summary>
    public sealed class RecordingHost : PSHost
    {
        private readonly RecordingUI _ui;

        public RecordingHost()
        {
            _ui = new RecordingUI(this);
        }

        /// <summary>Answers PromptForChoice (an -ErrorAction Inquire question): the labels offered, the index chosen. Null: not supported.</summary>
        public Func<IReadOnlyList<string>, int>? Choose { get; set; }

        /// <summary>The questions PromptForChoice was asked (their messages).</summary>
        public List<string> Asked { get; } = new List<string>();

        /// <summary>Everything written to the host, in order.</summary>
        public string Text => _ui.Text;

        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        public override Guid InstanceId { get; } = Guid.NewGuid();

        public override string Name => "VisionPS.RecordingHost";

        public override PSHostUserInterface UI => _ui;

        public override Version Version => new Version(1, 0);

        public override void EnterNestedPrompt() => throw new NotSupportedException();

        public override void ExitNestedPrompt() => throw new NotSupportedException();

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }

        public override void SetShouldExit(int exitCode)
        {
        }

        private sealed class RecordingUI : PSHostUserInterface
        {
            private readonly StringBuilder _text = new StringBuilder();
            private readonly RecordingHost _host;

            public RecordingUI(RecordingHost host)
            {
                _host = host;
            }

            public string Text
            {
                get
                {
                    lock (_text)
                    {
                        return _text.ToString();
                    }
                }
            }

            public override PSHostRawUserInterface? RawUI => null;

            private void Add(string value)
            {
                lock (_text)
                {
                    _text.Append(value);
                }
            }

            public override void Write(string value) => Add(value);

            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Add(value);

            public override void WriteLine(string value) => Add(value + "\n");

            public override void WriteErrorLine(string value) => Add("ERROR: " + value + "\n");

            public override void WriteDebugLine(string message)
            {
            }

            public override void WriteProgress(long sourceId, ProgressRecord record)
            {
            }

            public override void WriteVerboseLine(string message)
            {
            }

            public override void WriteWarningLine(string message)
            {
            }

            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();

            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
            {
                if (_host.Choose is not Func<IReadOnlyList<string>, int> choose)
                {
                    throw new NotSupportedException();
                }
                lock (_host.Asked)
                {
                    _host.Asked.Add(message);
                }
                return choose(choices.Select(c => c.Label).ToList());
            }

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

            public override string ReadLine() => throw new NotSupportedException();

            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();
        }
    }
}
