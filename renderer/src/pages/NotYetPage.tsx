/** Pages whose features arrive in later versions say so plainly instead of pretending. */
export function NotYetPage({ title }: { title: string }) {
  return (
    <>
      <header className="page-header">
        <h1>{title}</h1>
      </header>
      <section className="card">
        <p className="lead">This part of AUCMEDI Desk is not available in this version yet.</p>
      </section>
    </>
  );
}
