using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// A real PowerShell engine (System.Management.Automation 7.6.9) with VisionPS imported through VisionPS.psd1,
    /// as a user would. It has only the core cmdlets: tests make file items through the provider API themselves.
    /// </summary>
    public sealed class PowerShellSession : IDisposable
    {
        private readonly Runspace _runspace;

        public PowerShellSession(bool importModule = true, System.Management.Automation.Host.PSHost? host = null)
        {
            var iss = InitialSessionState.CreateDefault2();
            _runspace = host is null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
            _runspace.Open();
            if (importModule)
            {
                Run("Import-Module -Name $args[0] -ErrorAction Stop", Paths.Manifest);
            }
        }

        /// <summary>Error records written by the last <see cref="Run"/>.</summary>
        public IReadOnlyList<ErrorRecord> Errors { get; private set; } = new List<ErrorRecord>();

        /// <summary>Warning, verbose and debug messages written by the last <see cref="Run"/>.</summary>
        public IReadOnlyList<string> Warnings { get; private set; } = new List<string>();

        public IReadOnlyList<string> Verbose { get; private set; } = new List<string>();

        public IReadOnlyList<string> Debug { get; private set; } = new List<string>();

        /// <summary>Runs a script; <c>$args</c> holds <paramref name="args"/>. Terminating errors throw.</summary>
        public Collection<PSObject> Run(string script, params object?[] args)
        {
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script);
            foreach (object? a in args)
            {
                ps.AddArgument(a);
            }
            try
            {
                return ps.Invoke();
            }
            finally
            {
                // Kept when a terminating error ends the run too (what was written before the stop).
                Errors = ps.Streams.Error.ToList();
                Warnings = ps.Streams.Warning.Select(w => w.Message).ToList();
                Verbose = ps.Streams.Verbose.Select(w => w.Message).ToList();
                Debug = ps.Streams.Debug.Select(w => w.Message).ToList();
            }
        }

        /// <summary>Runs a script and returns its output as base objects of type <typeparamref name="T"/>.</summary>
        public List<T> Run<T>(string script, params object?[] args) => Run(script, args).Select(o => (T)o.BaseObject).ToList();

        /// <summary>Creates a fresh PowerShell on this session's runspace, for tests that need Stop() or async.</summary>
        public System.Management.Automation.PowerShell CreateShell()
        {
            var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = _runspace;
            return ps;
        }

        public void Dispose() => _runspace.Dispose();
    }

    /// <summary>Where the repository, the manifest, the built module and the corpus are.</summary>
    public static class Paths
    {
        public static string Root { get; } = FindRoot();

        public static string Manifest => Path.Combine(Root, "VisionPS.psd1");

        public static string ModuleLib => Path.Combine(Root, "module", "bin", "net8.0", "lib");

        /// <summary>Native libraries for this machine (linux-x64), shared by both frameworks' builds.</summary>
        public static string NativeLib(string file) => Path.Combine(Root, "module", "bin", "runtimes", "linux-x64", "native", file);

        /// <summary>The public corpus built by ../shared/corpus/make-corpus.sh (tests/run.sh builds it).</summary>
        public static string Corpus
        {
            get
            {
                string dir = Environment.GetEnvironmentVariable("VISIONPS_CORPUS") is { Length: > 0 } env
                    ? env
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "visionps-corpus");
                if (!File.Exists(Path.Combine(dir, "jpg_storm_1920x1280.jpg")))
                {
                    throw new InvalidOperationException(
                        $"The image corpus is missing at '{dir}'. Run tests/run.sh (it builds it) or ../shared/corpus/make-corpus.sh '{dir}'.");
                }
                return dir;
            }
        }

        public static string CorpusFile(string name) => Path.Combine(Corpus, name);

        private static string FindRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "VisionPS.psd1")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("Cannot find the repository root (VisionPS.psd1) above " + AppContext.BaseDirectory);
        }
    }
}
