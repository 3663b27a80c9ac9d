(function(){
  'use strict';
  // Sort the reports by a column: numbers as numbers, text the Vietnamese way; a second click reverses.
  var table=document.getElementById('reports');
  if(!table){return;}
  var body=table.tBodies[0];
  var heads=[].slice.call(table.querySelectorAll('th[data-key]'));
  function value(row,key,kind){
    var v=row.getAttribute('data-'+key)||'';
    return kind==='number'?Number(v):v;
  }
  function compare(kind){
    return kind==='number'?function(a,b){return a-b;}
      :function(a,b){return a.localeCompare?a.localeCompare(b,'vi',{sensitivity:'base',numeric:true}):(a<b?-1:a>b?1:0);};
  }
  function sortBy(th){
    var key=th.getAttribute('data-key'),kind=th.getAttribute('data-kind');
    var dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
    var sign=dir==='ascending'?1:-1,cmp=compare(kind);
    var rows=[].slice.call(body.rows).map(function(r,i){return {row:r,i:i,v:value(r,key,kind)};});
    rows.sort(function(a,b){return sign*cmp(a.v,b.v)||a.i-b.i;});
    rows.forEach(function(r){body.appendChild(r.row);});
    heads.forEach(function(h){h.removeAttribute('aria-sort');});
    th.setAttribute('aria-sort',dir);
  }
  heads.forEach(function(th){
    th.querySelector('button').addEventListener('click',function(){sortBy(th);});
  });
})();
