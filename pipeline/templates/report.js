(function(){
  'use strict';
  var reportId=document.body.getAttribute('data-report')||'';
  var checks=[].slice.call(document.querySelectorAll('.check'));
  var search=document.getElementById('search');
  var hideReviewed=document.getElementById('hide-reviewed');
  var settled=document.getElementById('settled');
  var store=openStore(), memory={};
  function openStore(){
    try{var s=window.localStorage,k='solieu:probe';s.setItem(k,'1');s.removeItem(k);return s;}catch(e){return null;}
  }
  function keyFor(el){return 'solieu:reviewed:'+reportId+':'+el.getAttribute('data-id');}
  function readReviewed(el){
    var k=keyFor(el);
    if(store){try{return store.getItem(k)==='1';}catch(e){}}
    return memory[k]===true;
  }
  function writeReviewed(el,on){
    var k=keyFor(el);memory[k]=on;
    if(store){try{if(on){store.setItem(k,'1');}else{store.removeItem(k);}return;}catch(e){}}
    document.getElementById('storage-note').hidden=false;
  }
  function fold(s){
    s=(s||'').toLowerCase();
    if(s.normalize){s=s.normalize('NFD').replace(/[\u0300-\u036f]/g,'');}
    return s.replace(/\u0111/g,'d').replace(/\s+/g,' ');
  }
  function values(cls){
    return [].slice.call(document.querySelectorAll('input.'+cls)).filter(function(i){return i.checked;}).map(function(i){return i.value;});
  }
  checks.forEach(function(el){
    el.searchText=fold([].slice.call(el.querySelectorAll('.search-text')).map(function(n){return n.textContent;}).join(' '));
    var box=el.querySelector('input.seen');
    box.checked=readReviewed(el);
    el.classList.toggle('is-reviewed',box.checked);
    box.addEventListener('change',function(){writeReviewed(el,box.checked);el.classList.toggle('is-reviewed',box.checked);apply();});
  });
  function apply(){
    var types=values('f-type'),statuses=values('f-status');
    var terms=fold(search.value).split(' ').filter(function(t){return t;});
    var shown=0,reviewed=0,perSection={};
    checks.forEach(function(el){
      var seen=el.querySelector('input.seen').checked;
      var section=el.parentNode.id;
      if(section==='urgent'&&seen){reviewed++;}
      var on=types.indexOf(el.getAttribute('data-type'))>=0&&statuses.indexOf(el.getAttribute('data-status'))>=0
        &&terms.every(function(t){return el.searchText.indexOf(t)>=0;})&&!(hideReviewed.checked&&seen);
      el.classList.toggle('hidden',!on);
      if(on){shown++;perSection[section]=(perSection[section]||0)+1;}
    });
    [].slice.call(document.querySelectorAll('[data-shown-in]')).forEach(function(n){
      var id=n.getAttribute('data-shown-in'),count=perSection[id]||0;
      n.textContent=count;
      var empty=document.querySelector('#'+id+' > .empty');
      if(empty){empty.hidden=count>0||!document.querySelector('#'+id+' .check');}
    });
    if(terms.length&&perSection.settled){settled.open=true;}
    document.getElementById('shown').textContent=shown;
    document.getElementById('reviewed').textContent=reviewed;
    document.getElementById('progress').value=reviewed;
  }
  [].slice.call(document.querySelectorAll('.toolbar input[type=checkbox]')).forEach(function(i){i.addEventListener('change',apply);});
  search.addEventListener('input',apply);
  apply();
})();
